// oneDNN LRN (lrn_across_channels, which also divides alpha by local_size), primitive built once
// per node. With groups > 1 the NCHW tensor is viewed as [N * groups, C / groups, H, W]: the same
// contiguous memory, in which oneDNN's channel window cannot cross a group.
// bfloat16 (the mixed-precision pass): on plain NCHW oneDNN 2.6 runs a bf16 LRN with its reference
// implementation (lrn_ref: 180 ms for AlexNet's norm1 at batch 16, 2 cores); its bf16 jit takes
// nChw16c, so x is reordered into that layout and y back, which costs a few ms.
#include "core/kernel_registry.h"
#include "ops/common/onednn.h"

namespace graphrun {

namespace {

class LrnOneDnn final : public OpKernel {
 public:
  explicit LrnOneDnn(const NodeInfo& node) {
    const Shape& x = node.inputs[0].shape;
    const int64_t groups = node.attrs.i("groups");
    const Shape view{x[0] * groups, x[1] / groups, x[2], x[3]};
    plain_ = onednn::plain_desc(node.kernel_dtype(), view);
    dnnl::memory::desc data = plain_;
    if (node.kernel_dtype() == DType::kBFloat16)
      data = dnnl::memory::desc(onednn::dims(view), plain_.data_type(), dnnl::memory::format_tag::nChw16c);
    dnnl::lrn_forward::desc op(dnnl::prop_kind::forward_inference, dnnl::algorithm::lrn_across_channels, data,
                               node.attrs.i("size"), static_cast<float>(node.attrs.f("alpha")),
                               static_cast<float>(node.attrs.f("beta")), static_cast<float>(node.attrs.f("bias")));
    primitive_ = dnnl::lrn_forward(dnnl::lrn_forward::primitive_desc(op, onednn::engine()));
    if (data == plain_) return;
    dnnl::engine& e = onednn::engine();
    x_ = dnnl::memory(data, e);
    y_ = dnnl::memory(data, e);
    to_blocked_ = dnnl::reorder(dnnl::reorder::primitive_desc(e, plain_, e, data));
    to_plain_ = dnnl::reorder(dnnl::reorder::primitive_desc(e, data, e, plain_));
  }
  void compute(KernelContext& ctx) override {
    auto src = onednn::wrap(ctx.input(0), plain_);
    auto dst = onednn::wrap(ctx.output(0), plain_);
    if (!x_) return onednn::execute(primitive_, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    dnnl::stream& s = onednn::stream();
    to_blocked_.execute(s, src, x_);
    primitive_.execute(s, {{DNNL_ARG_SRC, x_}, {DNNL_ARG_DST, y_}});
    to_plain_.execute(s, y_, dst);
    s.wait();
  }

 private:
  dnnl::memory::desc plain_;
  dnnl::lrn_forward primitive_;
  dnnl::memory x_, y_;  // the blocked copies, for bfloat16 only
  dnnl::reorder to_blocked_, to_plain_;
};

GR_REGISTER_KERNEL(onednn::kernel_builder("LRN")
                       .add_class<LrnOneDnn>(DType::kFloat32)
                       .add_class<LrnOneDnn>(DType::kBFloat16));

}  // namespace
}  // namespace graphrun
