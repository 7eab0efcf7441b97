// CUDA Dropout and DropoutGrad: the reference's loop (dropout_ref.cc) as one kernel, keyed the
// same way (forward_node for DropoutGrad, mask_name for a shard), so masks match the CPU's.
#include "core/kernel_registry.h"
#include "ops/dropout/dropout_cuda.h"
#include "runtime/devices/cuda_device.h"

namespace graphrun {

namespace {

template <typename T>
class MaskCuda final : public OpKernel {
 public:
  explicit MaskCuda(const NodeInfo& node)
      : key_name_(key_name(node)),
        rate_(node.attrs.f("rate")),
        slice_(node.attrs.ints("mask_slice"), node.inputs.at(0).shape.dims(), node.attrs.i("mask_offset")) {}
  void compute(KernelContext& ctx) override {
    if (!ctx.training()) {
      ctx.set_output(0, ctx.input(0));
      return;
    }
    cudaStream_t stream = cuda_stream(ctx.device());
    uint64_t key = dropout::mask_key(ctx.seed(), ctx.step(), key_name_);
    cuda::dropout_mask(ctx.input(0).data<T>(), ctx.output(0).data<T>(), ctx.input(0).num_elements(), key, rate_,
                       slice_, stream);
  }

 private:
  static std::string key_name(const NodeInfo& node) {
    if (node.attrs.has("forward_node")) return node.attrs.s("forward_node");
    const std::string& logical = node.attrs.s("mask_name");
    return logical.empty() ? node.name : logical;
  }
  std::string key_name_;
  double rate_;
  dropout::MaskSlice slice_;
};

GR_REGISTER_KERNEL(KernelBuilder("Dropout", DeviceType::kCUDA, "cuda", 10).float_types<MaskCuda>());
GR_REGISTER_KERNEL(KernelBuilder("DropoutGrad", DeviceType::kCUDA, "cuda", 10).float_types<MaskCuda>());

}  // namespace
}  // namespace graphrun
