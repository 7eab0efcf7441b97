// The Variable kernel hands on the stored value without copying it.
#include "core/kernel_registry.h"
#include "core/variable_store.h"

namespace graphrun {

namespace {

template <typename T>
class VariableKernel final : public OpKernel {
 public:
  explicit VariableKernel(const NodeInfo& node) : name_(node.name) {}
  void compute(KernelContext& ctx) override { ctx.set_output(0, ctx.run().variables->at(name_)); }

 private:
  std::string name_;
};

GR_REGISTER_KERNEL(KernelBuilder("Variable", DeviceType::kCPU, "reference").float_types<VariableKernel>());

}  // namespace
}  // namespace graphrun
