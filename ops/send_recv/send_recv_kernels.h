// Pieces the CPU and CUDA Send/Recv kernels share: the Send itself (any device: it hands its
// input on and records an event on its device's stream), and registration for every dtype.
#pragma once

#include "core/kernel_registry.h"
#include "core/rendezvous.h"

namespace graphrun {

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

// The event the Recv's device must wait for before it copies.
inline std::shared_ptr<Event> take_send_event(const KernelContext& ctx, const std::string& send) {
  GR_CHECK(ctx.run().rendezvous != nullptr, "Recv run without a rendezvous");
  return ctx.run().rendezvous->take(send);
}

template <template <typename> class Kernel>
KernelBuilder transfer_kernels(const std::string& op, DeviceType device, const std::string& label, int priority) {
  return std::move(KernelBuilder(op, device, label, priority)
                       .float_types<Kernel>()
                       .template add<int32_t, Kernel>()
                       .template add<int64_t, Kernel>()
                       .template add<uint8_t, Kernel>());
}

}  // namespace graphrun
