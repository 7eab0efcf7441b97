// Send/Recv between CPU devices. The Send records an event on its device's stream after the
// producer's work; the Recv's device waits for it before the copy. On the CPU streams run work
// at once, so the events are complete when recorded, but the order of calls is the one a GPU
// pair needs.
#include "core/kernel_registry.h"
#include "core/rendezvous.h"

namespace graphrun {

namespace {

template <typename T>
class SendKernel final : public OpKernel {
 public:
  explicit SendKernel(const NodeInfo& node) : name_(node.name) {}
  void compute(KernelContext& ctx) override {
    ctx.set_output(0, ctx.input(0));
    GR_CHECK(ctx.run().rendezvous != nullptr, "Send '{}' run without a rendezvous", name_);
    ctx.run().rendezvous->put(name_, ctx.device().record_event());
  }

 private:
  std::string name_;
};

template <typename T>
class RecvKernel final : public OpKernel {
 public:
  explicit RecvKernel(const NodeInfo& node) : send_(node.attrs.s("send")) {}
  void compute(KernelContext& ctx) override {
    GR_CHECK(ctx.run().rendezvous != nullptr, "Recv run without a rendezvous");
    std::shared_ptr<Event> ready = ctx.run().rendezvous->take(send_);
    ctx.device().wait_event(*ready);
    Tensor& out = ctx.output(0);
    const Tensor& in = ctx.input(0);
    ctx.device().enqueue([&out, &in] { out.copy_from(in); });
  }

 private:
  std::string send_;
};

template <template <typename> class Kernel>
KernelBuilder all_types(const std::string& op) {
  return std::move(KernelBuilder(op, DeviceType::kCPU, "cpu")
                       .float_types<Kernel>()
                       .template add<int32_t, Kernel>()
                       .template add<int64_t, Kernel>()
                       .template add<uint8_t, Kernel>());
}

GR_REGISTER_KERNEL(all_types<SendKernel>("Send"));
GR_REGISTER_KERNEL(all_types<RecvKernel>("Recv"));

}  // namespace
}  // namespace graphrun
