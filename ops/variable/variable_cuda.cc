// Variable on a GPU: its value lives in this device's memory. The VariableStore initializes and
// loads values on the host; the first run here (or the first after the store was assigned a new
// host value, e.g. a checkpoint restore) moves the value into device memory, replacing the
// store's entry, and later runs hand it on without a copy. ApplyMomentum then updates it in place.
#include "core/kernel_registry.h"
#include "core/variable_store.h"

namespace graphrun {

namespace {

template <typename T>
class VariableCuda final : public OpKernel {
 public:
  explicit VariableCuda(const NodeInfo& node) : name_(node.name) {}
  void compute(KernelContext& ctx) override {
    Tensor& stored = ctx.run().variables->at(name_);
    if (&stored.allocator() != &ctx.device().allocator()) {
      Tensor on_device(stored.dtype(), stored.shape(), ctx.device().allocator());
      on_device.copy_from(stored);  // complete on return: once per variable, not per step
      stored = std::move(on_device);
    }
    ctx.set_output(0, stored);
  }

 private:
  std::string name_;
};

GR_REGISTER_KERNEL(KernelBuilder("Variable", DeviceType::kCUDA, "cuda", 10).float_types<VariableCuda>());

}  // namespace
}  // namespace graphrun
