// Reference Dropout: regenerates the counter-based mask per element; at inference the output
// aliases the input (no copy). A training run after an inference run gets a fresh output
// buffer from KernelContext::output, which never hands out a buffer shared with another tensor.
#include "core/kernel_registry.h"
#include "ops/dropout/dropout_mask.h"

namespace graphrun {

namespace {

// Dropout and DropoutGrad are the same loop: keep element i, scaled, where the mask keyed by
// the forward node's name says so. DropoutGrad names the forward node in `forward_node`; a
// shard of a split Dropout names its logical node in `mask_name`.
template <typename T>
class MaskKernel final : public OpKernel {
 public:
  explicit MaskKernel(const NodeInfo& node)
      : key_name_(key_name(node)),
        rate_(node.attrs.f("rate")),
        slice_(node.attrs.ints("mask_slice"), node.inputs.at(0).shape.dims(), node.attrs.i("mask_offset")) {}
  void compute(KernelContext& ctx) override {
    if (!ctx.training()) {
      ctx.set_output(0, ctx.input(0));
      return;
    }
    uint64_t key = dropout::mask_key(ctx.seed(), ctx.step(), key_name_);
    T scale = static_cast<T>(dropout::scale(rate_));
    const T* x = ctx.input(0).data<T>();
    T* y = ctx.output(0).data<T>();
    for (int64_t i = 0, n = ctx.input(0).num_elements(); i < n; ++i)
      y[i] = dropout::keep(key, slice_.logical_index(i), rate_) ? x[i] * scale : T(0);
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

GR_REGISTER_KERNEL(KernelBuilder("Dropout", DeviceType::kCPU, "reference").float_types<MaskKernel>());
GR_REGISTER_KERNEL(KernelBuilder("DropoutGrad", DeviceType::kCPU, "reference").float_types<MaskKernel>());

}  // namespace
}  // namespace graphrun
