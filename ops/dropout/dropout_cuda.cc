// CUDA Dropout and DropoutGrad: the reference's loop (dropout_ref.cc) as one kernel, keyed the
// same way (forward_node for DropoutGrad, mask_name for a shard), so masks match the CPU's.
#include "core/kernel_registry.h"
#include "ops/dropout/dropout_cuda.h"
#include "ops/dropout/dropout_node.h"
#include "runtime/devices/cuda_device.h"

namespace graphrun {

namespace {

template <typename T>
class MaskCuda final : public OpKernel {
 public:
  explicit MaskCuda(const NodeInfo& node) : mask_(node) {}
  void compute(KernelContext& ctx) override {
    if (!ctx.training()) {
      ctx.set_output(0, ctx.input(0));
      return;
    }
    cudaStream_t stream = cuda_stream(ctx.device());
    cuda::dropout_mask(ctx.input(0).data<T>(), ctx.output(0).data<T>(), ctx.input(0).num_elements(), mask_.key(ctx),
                       mask_.rate, mask_.slice, stream);
  }

 private:
  dropout::MaskNode mask_;
};

GR_REGISTER_KERNEL(KernelBuilder("Dropout", DeviceType::kCUDA, "cuda", 10).float_types<MaskCuda>());
GR_REGISTER_KERNEL(KernelBuilder("DropoutGrad", DeviceType::kCUDA, "cuda", 10).float_types<MaskCuda>());

}  // namespace
}  // namespace graphrun
