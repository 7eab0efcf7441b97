// oneDNN MaxPoolGrad (pooling_backward, pooling_max), primitives built once per node, in the
// layout x lies in (plain NCHW, or nChw16c: core/layout.h); dy and dx are reordered if they lie
// otherwise. oneDNN's backward reads the argmax from the forward's workspace, which graphrun does
// not pass between nodes, so this kernel recomputes the forward (forward_training) from x: one
// extra pooling pass, simple and exact. oneDNN scans a window row-major and keeps the first
// maximum (strict >), as the reference does (the tests check it on inputs full of ties).
#include "core/kernel_registry.h"
#include "ops/common/onednn.h"
#include "ops/common/pool_geometry.h"

namespace graphrun {

namespace {

class MaxPoolGradOneDnn final : public OpKernel {
 public:
  explicit MaxPoolGradOneDnn(const NodeInfo& node) {
    const TensorInfo& x = node.inputs[1];
    pool::Geometry g = pool::geometry(node.attrs, x.shape);
    src_desc_ = onednn::desc_of(x);
    const dnnl::memory::desc dst_desc = onednn::desc_like(node.inputs[0], x.layout);
    const dnnl::memory::dims strides{g.stride[0], g.stride[1]}, kernel{g.kernel[0], g.kernel[1]},
        pad_l{g.pad[0], g.pad[1]}, pad_r{g.onednn_pad_r(0), g.onednn_pad_r(1)};
    dnnl::pooling_forward::desc fwd(dnnl::prop_kind::forward_training, dnnl::algorithm::pooling_max, src_desc_,
                                    dst_desc, strides, kernel, pad_l, pad_r);
    dnnl::pooling_forward::primitive_desc fwd_pd(fwd, onednn::engine());
    dnnl::pooling_backward::desc bwd(dnnl::algorithm::pooling_max, src_desc_, dst_desc, strides, kernel, pad_l, pad_r);
    dnnl::pooling_backward::primitive_desc bwd_pd(bwd, onednn::engine(), fwd_pd);
    forward_ = dnnl::pooling_forward(fwd_pd);
    backward_ = dnnl::pooling_backward(bwd_pd);
    // The recomputed y and the argmax workspace live as long as the kernel: allocating them
    // per step would page-fault tens of MB each time at AlexNet's sizes.
    y_ = dnnl::memory(fwd_pd.dst_desc(), onednn::engine());
    workspace_ = dnnl::memory(fwd_pd.workspace_desc(), onednn::engine());
    dy_ = onednn::Staged(onednn::desc_of(node.inputs[0]), dst_desc, false);
    dx_ = onednn::Staged(onednn::desc_of(node.outputs[0]), src_desc_, true);
  }

  void compute(KernelContext& ctx) override {
    dnnl::stream& s = onednn::stream();
    auto x = onednn::wrap(ctx.input(1), src_desc_);
    forward_.execute(s, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y_}, {DNNL_ARG_WORKSPACE, workspace_}});
    backward_.execute(s, {{DNNL_ARG_DIFF_DST, dy_.in(ctx.input(0), s)},
                          {DNNL_ARG_DIFF_SRC, dx_.out(ctx.output(0))},
                          {DNNL_ARG_WORKSPACE, workspace_}});
    dx_.finish(ctx.output(0), s);
    s.wait();
  }

 private:
  dnnl::memory::desc src_desc_;
  dnnl::pooling_forward forward_;
  dnnl::pooling_backward backward_;
  dnnl::memory y_, workspace_;
  onednn::Staged dy_, dx_;
};

GR_REGISTER_KERNEL(onednn::kernel_builder("MaxPoolGrad")
                       .any_layout({0, 1}, {0})
                       .add_class<MaxPoolGradOneDnn>(DType::kFloat32)
                       .add_class<MaxPoolGradOneDnn>(DType::kBFloat16));

}  // namespace
}  // namespace graphrun
