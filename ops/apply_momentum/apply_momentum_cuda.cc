// CUDA ApplyMomentum and FusedApplyMomentum: the variables and momentum buffers are updated in
// place in device memory (they belong to the VariableStore; the Variable kernel moved them to
// this GPU). ApplyMomentum is one launch per variable; FusedApplyMomentum one launch for all of
// a device's variables (apply_momentum_cuda.cu: one per 64).
#include <vector>

#include "ops/apply_momentum/apply_momentum_cuda.h"
#include "ops/apply_momentum/momentum_kernel.h"
#include "runtime/devices/cuda_device.h"

namespace graphrun {

namespace {

void check_on_device(const KernelContext& ctx, const Tensor& var, const Tensor& slot) {
  GR_CHECK(!var.on_host() && !slot.on_host(), "{} on {}: the variables are in {} memory", ctx.node().op,
           ctx.device().name().str(), var.on_host() ? var.location() : slot.location());
}

template <typename T>
class ApplyMomentumCuda final : public OpKernel {
 public:
  explicit ApplyMomentumCuda(const NodeInfo& node) : attrs_(node) {}
  void compute(KernelContext& ctx) override {
    const Tensor& var = ctx.input(0);
    check_on_device(ctx, var, ctx.input(1));
    cuda::MomentumSegment<T> segment{static_cast<T*>(var.raw()), static_cast<T*>(ctx.input(1).raw()),
                                     ctx.input(2).data<T>(), var.num_elements(), attrs_.lr_mult, attrs_.decay_mult};
    cuda::apply_momentum(&segment, 1, ctx.input(3).raw(), ctx.input(3).dtype() == DType::kFloat64, attrs_.momentum,
                         attrs_.weight_decay, cuda_stream(ctx.device()));
    ctx.set_output(0, var);
  }

 private:
  momentum::Attrs attrs_;
};

template <typename T>
class FusedApplyMomentumCuda final : public OpKernel {
 public:
  explicit FusedApplyMomentumCuda(const NodeInfo& node) : attrs_(node), segments_(attrs_.count()) {}
  void compute(KernelContext& ctx) override {
    for (int i = 0; i < attrs_.count(); ++i) {
      const Tensor& var = ctx.input(attrs_.var(i));
      const Tensor& slot = ctx.input(attrs_.slot(i));
      check_on_device(ctx, var, slot);
      segments_[i] = {static_cast<T*>(var.raw()), static_cast<T*>(slot.raw()), ctx.input(attrs_.grad(i)).data<T>(),
                      var.num_elements(), attrs_.lr_mults[i], attrs_.decay_mults[i]};
      ctx.set_output(i, var);
    }
    const Tensor& lr = ctx.input(0);
    cuda::apply_momentum(segments_.data(), attrs_.count(), lr.raw(), lr.dtype() == DType::kFloat64, attrs_.momentum,
                         attrs_.weight_decay, cuda_stream(ctx.device()));
  }

 private:
  momentum::FusedAttrs attrs_;
  std::vector<cuda::MomentumSegment<T>> segments_;  // rebuilt each run: the tensors' addresses may change
};

// The kernel reads lr on the GPU as float32 or float64.
std::string float_lr(const NodeInfo& node, int lr_input) {
  DType lr = node.inputs.at(lr_input).dtype;
  if (lr == DType::kFloat32 || lr == DType::kFloat64) return "";
  return fmt::format("lr is {}; the CUDA kernel reads float32 or float64", dtype_name(lr));
}

GR_REGISTER_KERNEL(KernelBuilder("ApplyMomentum", DeviceType::kCUDA, "cuda", 10)
                       .supports([](const NodeInfo& node) { return float_lr(node, 3); })
                       .float_types<ApplyMomentumCuda>());

// lr is a float (the shape function checks it); the variables' dtype picks T.
GR_REGISTER_KERNEL(momentum::by_variable_dtype<FusedApplyMomentumCuda>(
    KernelBuilder("FusedApplyMomentum", DeviceType::kCUDA, "cuda", 10)));

}  // namespace
}  // namespace graphrun
