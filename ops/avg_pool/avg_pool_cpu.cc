// oneDNN AvgPool and AvgPoolGrad (pooling_avg_include_padding / _exclude_padding on plain NCHW),
// primitives built once per node. Both refuse the same nodes (supports below).
#include "core/kernel_registry.h"
#include "ops/common/onednn.h"
#include "ops/common/pool_geometry.h"

namespace graphrun {

namespace {

// x is AvgPool's input 0 and AvgPoolGrad's input 1 (after dy).
const Shape& x_shape(const NodeInfo& node) { return node.inputs[node.op == "AvgPoolGrad" ? 1 : 0].shape; }

dnnl::algorithm algorithm_of(const NodeInfo& node) {
  return node.attrs.b("count_include_pad") ? dnnl::algorithm::pooling_avg_include_padding
                                           : dnnl::algorithm::pooling_avg_exclude_padding;
}

// oneDNN's include-padding divisor is always kh * kw, counting also the extra right padding we
// add so its output size matches ceil mode; PyTorch stops counting at H + pad. They differ
// exactly where a ceil-mode window hangs past the padded input.
std::string supports(const NodeInfo& node) {
  std::string reason = onednn::float32_or_bfloat16(node.kernel_dtype());
  if (!reason.empty() || !node.attrs.b("count_include_pad")) return reason;
  pool::Geometry g = pool::geometry(node.attrs, x_shape(node));
  if (g.overhangs(0) || g.overhangs(1))
    return fmt::format(
        "oneDNN divides by kh*kw = {} where a ceil-mode window ({}x{} -> {}x{}) overhangs the padded input; "
        "PyTorch counts only cells inside it (count_include_pad with ceil_mode)",
        g.kernel[0] * g.kernel[1], g.in[0], g.in[1], g.out[0], g.out[1]);
  return "";
}

class AvgPoolOneDnn final : public OpKernel {
 public:
  explicit AvgPoolOneDnn(const NodeInfo& node) {
    pool::Geometry g = pool::geometry(node.attrs, node.inputs[0].shape);
    src_desc_ = onednn::plain_desc(DType::kFloat32, node.inputs[0].shape);
    dst_desc_ = onednn::plain_desc(DType::kFloat32, node.outputs[0].shape);
    dnnl::pooling_forward::desc op(dnnl::prop_kind::forward_inference, algorithm_of(node), src_desc_, dst_desc_,
                                   {g.stride[0], g.stride[1]}, {g.kernel[0], g.kernel[1]}, {g.pad[0], g.pad[1]},
                                   {g.onednn_pad_r(0), g.onednn_pad_r(1)});
    primitive_ = dnnl::pooling_forward(dnnl::pooling_forward::primitive_desc(op, onednn::engine()));
  }
  void compute(KernelContext& ctx) override {
    auto src = onednn::wrap(ctx.input(0), src_desc_);
    auto dst = onednn::wrap(ctx.output(0), dst_desc_);
    onednn::execute(primitive_, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  }

 private:
  dnnl::memory::desc src_desc_, dst_desc_;
  dnnl::pooling_forward primitive_;
};

// No workspace for average pooling: the forward primitive_desc is only the backward's hint.
class AvgPoolGradOneDnn final : public OpKernel {
 public:
  explicit AvgPoolGradOneDnn(const NodeInfo& node) {
    pool::Geometry g = pool::geometry(node.attrs, node.inputs[1].shape);
    src_desc_ = onednn::plain_desc(DType::kFloat32, node.inputs[1].shape);
    dst_desc_ = onednn::plain_desc(DType::kFloat32, node.inputs[0].shape);
    const dnnl::memory::dims strides{g.stride[0], g.stride[1]}, kernel{g.kernel[0], g.kernel[1]},
        pad_l{g.pad[0], g.pad[1]}, pad_r{g.onednn_pad_r(0), g.onednn_pad_r(1)};
    dnnl::pooling_forward::desc fwd(dnnl::prop_kind::forward_training, algorithm_of(node), src_desc_, dst_desc_,
                                    strides, kernel, pad_l, pad_r);
    dnnl::pooling_forward::primitive_desc fwd_pd(fwd, onednn::engine());
    dnnl::pooling_backward::desc bwd(algorithm_of(node), src_desc_, dst_desc_, strides, kernel, pad_l, pad_r);
    primitive_ = dnnl::pooling_backward(dnnl::pooling_backward::primitive_desc(bwd, onednn::engine(), fwd_pd));
  }
  void compute(KernelContext& ctx) override {
    auto dy = onednn::wrap(ctx.input(0), dst_desc_);
    auto dx = onednn::wrap(ctx.output(0), src_desc_);
    onednn::execute(primitive_, {{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx}});
  }

 private:
  dnnl::memory::desc src_desc_, dst_desc_;
  dnnl::pooling_backward primitive_;
};

GR_REGISTER_KERNEL(KernelBuilder("AvgPool", DeviceType::kCPU, "onednn", 10)
                       .supports(supports)
                       .add_class<AvgPoolOneDnn>(DType::kFloat32));
GR_REGISTER_KERNEL(KernelBuilder("AvgPoolGrad", DeviceType::kCPU, "onednn", 10)
                       .supports(supports)
                       .add_class<AvgPoolGradOneDnn>(DType::kFloat32));

}  // namespace
}  // namespace graphrun
