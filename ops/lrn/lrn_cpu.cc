// oneDNN LRN (lrn_across_channels, which also divides alpha by local_size), primitive built once
// per node. With groups > 1 the NCHW tensor is viewed as [N * groups, C / groups, H, W]: the same
// contiguous memory, in which oneDNN's channel window cannot cross a group.
#include "core/kernel_registry.h"
#include "ops/common/onednn.h"

namespace graphrun {

namespace {

class LrnOneDnn final : public OpKernel {
 public:
  explicit LrnOneDnn(const NodeInfo& node) {
    const Shape& x = node.inputs[0].shape;
    const int64_t groups = node.attrs.i("groups");
    desc_ = onednn::plain_desc(node.kernel_dtype(), Shape{x[0] * groups, x[1] / groups, x[2], x[3]});
    dnnl::lrn_forward::desc op(dnnl::prop_kind::forward_inference, dnnl::algorithm::lrn_across_channels, desc_,
                               node.attrs.i("size"), static_cast<float>(node.attrs.f("alpha")),
                               static_cast<float>(node.attrs.f("beta")), static_cast<float>(node.attrs.f("bias")));
    primitive_ = dnnl::lrn_forward(dnnl::lrn_forward::primitive_desc(op, onednn::engine()));
  }
  void compute(KernelContext& ctx) override {
    auto src = onednn::wrap(ctx.input(0), desc_);
    auto dst = onednn::wrap(ctx.output(0), desc_);
    onednn::execute(primitive_, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  }

 private:
  dnnl::memory::desc desc_;
  dnnl::lrn_forward primitive_;
};

GR_REGISTER_KERNEL(onednn::kernel_builder("LRN")
                       .add_class<LrnOneDnn>(DType::kFloat32)
                       .add_class<LrnOneDnn>(DType::kBFloat16));

}  // namespace
}  // namespace graphrun
