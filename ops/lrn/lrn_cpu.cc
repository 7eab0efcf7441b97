// oneDNN LRN (lrn_across_channels, which also divides alpha by local_size), primitive built once
// per node, on the [N * groups, C / groups, H, W] view of x (lrn_view.h).
// The primitive computes in x's layout: plain, or channel-blocked where the blocked-layout pass
// chose it; y is reordered only if it lies otherwise.
// bfloat16 (the mixed-precision pass): on plain NCHW oneDNN 2.6 runs a bf16 LRN with its reference
// implementation (lrn_ref: 180 ms for AlexNet's norm1 at batch 16, 2 cores); its bf16 jit takes
// nChw16c, so a plain x is reordered into that layout and y back, which costs a few ms.
#include "core/kernel_registry.h"
#include "ops/common/onednn.h"
#include "ops/lrn/lrn_view.h"

namespace graphrun {

namespace {

class LrnOneDnn final : public OpKernel {
 public:
  explicit LrnOneDnn(const NodeInfo& node) {
    const int64_t groups = node.attrs.i("groups"), items = node.inputs[0].shape[0] * groups;
    const TensorInfo x = lrn::group_view(node.inputs[0], groups, items);
    const TensorInfo y = lrn::group_view(node.outputs[0], groups, items);
    dnnl::memory::desc data = onednn::desc_of(x);
    if (node.kernel_dtype() == DType::kBFloat16)  // oneDNN pads a channel count that is no multiple of 16
      data = dnnl::memory::desc(onednn::dims(x.shape), data.data_type(), dnnl::memory::format_tag::nChw16c);
    dnnl::lrn_forward::desc op(dnnl::prop_kind::forward_inference, dnnl::algorithm::lrn_across_channels, data,
                               node.attrs.i("size"), static_cast<float>(node.attrs.f("alpha")),
                               static_cast<float>(node.attrs.f("beta")), static_cast<float>(node.attrs.f("bias")));
    primitive_ = dnnl::lrn_forward(dnnl::lrn_forward::primitive_desc(op, onednn::engine()));
    x_ = onednn::Staged(onednn::desc_of(x), data, false);
    y_ = onednn::Staged(onednn::desc_of(y), data, true);
  }
  void compute(KernelContext& ctx) override {
    dnnl::stream& s = onednn::stream();
    const dnnl::memory src = x_.in(ctx.input(0), s), dst = y_.out(ctx.output(0));
    primitive_.execute(s, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    y_.finish(ctx.output(0), s);
    s.wait();
  }

 private:
  dnnl::lrn_forward primitive_;
  onednn::Staged x_, y_;
};

GR_REGISTER_KERNEL(onednn::kernel_builder("LRN")
                       .any_layout({0}, {0}, lrn::node_groups_fit_blocks)
                       .add_class<LrnOneDnn>(DType::kFloat32)
                       .add_class<LrnOneDnn>(DType::kBFloat16));

}  // namespace
}  // namespace graphrun
