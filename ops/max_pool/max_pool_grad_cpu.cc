// oneDNN MaxPoolGrad (pooling_backward, pooling_max on plain NCHW), primitives built once per
// node. oneDNN's backward reads the argmax from the forward's workspace, which graphrun does
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
    pool::Geometry g = pool::geometry(node.attrs, node.inputs[1].shape);
    src_desc_ = onednn::plain_desc(node.kernel_dtype(), node.inputs[1].shape);
    dst_desc_ = onednn::plain_desc(node.kernel_dtype(), node.inputs[0].shape);
    const dnnl::memory::dims strides{g.stride[0], g.stride[1]}, kernel{g.kernel[0], g.kernel[1]},
        pad_l{g.pad[0], g.pad[1]}, pad_r{g.onednn_pad_r(0), g.onednn_pad_r(1)};
    dnnl::pooling_forward::desc fwd(dnnl::prop_kind::forward_training, dnnl::algorithm::pooling_max, src_desc_,
                                    dst_desc_, strides, kernel, pad_l, pad_r);
    dnnl::pooling_forward::primitive_desc fwd_pd(fwd, onednn::engine());
    dnnl::pooling_backward::desc bwd(dnnl::algorithm::pooling_max, src_desc_, dst_desc_, strides, kernel, pad_l, pad_r);
    dnnl::pooling_backward::primitive_desc bwd_pd(bwd, onednn::engine(), fwd_pd);
    forward_ = dnnl::pooling_forward(fwd_pd);
    backward_ = dnnl::pooling_backward(bwd_pd);
    // The recomputed y and the argmax workspace live as long as the kernel: allocating them
    // per step would page-fault tens of MB each time at AlexNet's sizes.
    y_ = dnnl::memory(fwd_pd.dst_desc(), onednn::engine());
    workspace_ = dnnl::memory(fwd_pd.workspace_desc(), onednn::engine());
  }

  void compute(KernelContext& ctx) override {
    auto dy = onednn::wrap(ctx.input(0), dst_desc_);
    auto x = onednn::wrap(ctx.input(1), src_desc_);
    auto dx = onednn::wrap(ctx.output(0), src_desc_);
    onednn::execute(forward_, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y_}, {DNNL_ARG_WORKSPACE, workspace_}});
    backward_.execute(onednn::stream(),
                      {{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx}, {DNNL_ARG_WORKSPACE, workspace_}});
  }

 private:
  dnnl::memory::desc src_desc_, dst_desc_;
  dnnl::pooling_forward forward_;
  dnnl::pooling_backward backward_;
  dnnl::memory y_, workspace_;
};

GR_REGISTER_KERNEL(onednn::kernel_builder("MaxPoolGrad")
                       .add_class<MaxPoolGradOneDnn>(DType::kFloat32)
                       .add_class<MaxPoolGradOneDnn>(DType::kBFloat16));

}  // namespace
}  // namespace graphrun
