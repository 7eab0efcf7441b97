// Send/Recv on GPUs. A Send records an event on its stream after the producer's work; the
// Recv's stream waits for that event and copies the tensor into its own device's memory on its
// own stream, so neither the host nor the sending stream blocks. The copy's kind comes from
// unified addressing: device to device (two logical GPUs on one card, or peers on two cards)
// or host to device (a cpu -> gpu edge; its Send's event is complete when recorded). A gpu -> cpu
// edge is the CPU Recv (send_recv_cpu.cc): the CPU device waits for the event on the host and
// copies through the GPU's allocator.
#include "core/kernel_registry.h"
#include "core/rendezvous.h"
#include "runtime/devices/cuda_check.h"
#include "runtime/devices/cuda_device.h"

namespace graphrun {

namespace {

template <typename T>
class SendCuda final : public OpKernel {
 public:
  explicit SendCuda(const NodeInfo& node) : name_(node.name) {}
  void compute(KernelContext& ctx) override {
    ctx.set_output(0, ctx.input(0));
    GR_CHECK(ctx.run().rendezvous != nullptr, "Send '{}' run without a rendezvous", name_);
    ctx.run().rendezvous->put(name_, ctx.device().record_event());
  }

 private:
  std::string name_;
};

template <typename T>
class RecvCuda final : public OpKernel {
 public:
  explicit RecvCuda(const NodeInfo& node) : send_(node.attrs.s("send")) {}
  void compute(KernelContext& ctx) override {
    GR_CHECK(ctx.run().rendezvous != nullptr, "Recv run without a rendezvous");
    std::shared_ptr<Event> ready = ctx.run().rendezvous->take(send_);
    ctx.device().wait_event(*ready);
    const Tensor& in = ctx.input(0);
    Tensor& out = ctx.output(0);
    if (out.bytes() == 0) return;
    GR_CUDA_CHECK(cudaMemcpyAsync(out.raw(), in.raw(), out.bytes(), cudaMemcpyDefault, cuda_stream(ctx.device())));
  }

 private:
  std::string send_;
};

template <template <typename> class Kernel>
KernelBuilder all_types(const std::string& op) {
  return std::move(KernelBuilder(op, DeviceType::kCUDA, "cuda", 10)
                       .float_types<Kernel>()
                       .template add<int32_t, Kernel>()
                       .template add<int64_t, Kernel>()
                       .template add<uint8_t, Kernel>());
}

GR_REGISTER_KERNEL(all_types<SendCuda>("Send"));
GR_REGISTER_KERNEL(all_types<RecvCuda>("Recv"));

}  // namespace
}  // namespace graphrun
