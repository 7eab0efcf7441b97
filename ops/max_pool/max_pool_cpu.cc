// oneDNN MaxPool (pooling_max), primitive built once per node. It computes in the layout its
// input lies in (plain NCHW, or nChw16c: core/layout.h) and reorders y if that lies otherwise.
// oneDNN ignores padded cells in max pooling, which is our -infinity padding.
#include "core/kernel_registry.h"
#include "ops/common/onednn.h"
#include "ops/common/pool_geometry.h"

namespace graphrun {

namespace {

class MaxPoolOneDnn final : public OpKernel {
 public:
  explicit MaxPoolOneDnn(const NodeInfo& node) {
    pool::Geometry g = pool::geometry(node.attrs, node.inputs[0].shape);
    src_desc_ = onednn::desc_of(node.inputs[0]);
    const dnnl::memory::desc dst_desc = onednn::desc_like(node.outputs[0], node.inputs[0].layout);
    // forward_inference: no argmax workspace here; MaxPoolGrad recomputes the forward for its own.
    dnnl::pooling_forward::desc op(dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_max, src_desc_,
                                   dst_desc, {g.stride[0], g.stride[1]}, {g.kernel[0], g.kernel[1]},
                                   {g.pad[0], g.pad[1]}, {g.onednn_pad_r(0), g.onednn_pad_r(1)});
    primitive_ = dnnl::pooling_forward(dnnl::pooling_forward::primitive_desc(op, onednn::engine()));
    dst_ = onednn::Staged(onednn::desc_of(node.outputs[0]), dst_desc, true);
  }
  void compute(KernelContext& ctx) override {
    dnnl::stream& s = onednn::stream();
    primitive_.execute(s, {{DNNL_ARG_SRC, onednn::wrap(ctx.input(0), src_desc_)},
                           {DNNL_ARG_DST, dst_.out(ctx.output(0))}});
    dst_.finish(ctx.output(0), s);
    s.wait();
  }

 private:
  dnnl::memory::desc src_desc_;
  onednn::Staged dst_;
  dnnl::pooling_forward primitive_;
};

GR_REGISTER_KERNEL(onednn::kernel_builder("MaxPool")
                       .any_layout({0}, {0})
                       .add_class<MaxPoolOneDnn>(DType::kFloat32)
                       .add_class<MaxPoolOneDnn>(DType::kBFloat16));

}  // namespace
}  // namespace graphrun
