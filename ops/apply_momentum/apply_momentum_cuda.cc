// CUDA ApplyMomentum: one kernel per variable, updating the variable and its momentum buffer in
// place in device memory (they belong to the VariableStore; the Variable kernel moved them to
// this GPU). One fused launch over all variables is issue 6's next step.
#include "core/kernel_registry.h"
#include "ops/apply_momentum/apply_momentum_cuda.h"
#include "runtime/devices/cuda_device.h"

namespace graphrun {

namespace {

template <typename T>
class ApplyMomentumCuda final : public OpKernel {
 public:
  explicit ApplyMomentumCuda(const NodeInfo& node)
      : momentum_(node.attrs.f("momentum")),
        weight_decay_(node.attrs.f("weight_decay") * node.attrs.f("decay_mult")),
        lr_mult_(node.attrs.f("lr_mult")) {}
  void compute(KernelContext& ctx) override {
    const Tensor& var = ctx.input(0);
    GR_CHECK(!var.on_host() && !ctx.input(1).on_host(), "ApplyMomentum on {}: the variables are in {} memory",
             ctx.device().name().str(), var.location());
    cudaStream_t stream = cuda_stream(ctx.device());
    cuda::apply_momentum(static_cast<T*>(var.raw()), static_cast<T*>(ctx.input(1).raw()), ctx.input(2).data<T>(),
                         ctx.input(3).raw(), ctx.input(3).dtype() == DType::kFloat64, lr_mult_, momentum_,
                         weight_decay_, var.num_elements(), stream);
    ctx.set_output(0, var);
  }

 private:
  double momentum_, weight_decay_, lr_mult_;
};

std::string float_lr(const NodeInfo& node) {
  DType lr = node.inputs.at(3).dtype;
  if (lr == DType::kFloat32 || lr == DType::kFloat64) return "";
  return fmt::format("lr is {}; the CUDA kernel reads float32 or float64", dtype_name(lr));
}

GR_REGISTER_KERNEL(KernelBuilder("ApplyMomentum", DeviceType::kCUDA, "cuda", 10)
                       .supports(float_lr)
                       .float_types<ApplyMomentumCuda>());

}  // namespace
}  // namespace graphrun
