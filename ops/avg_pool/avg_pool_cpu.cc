// oneDNN AvgPool (pooling_avg_include_padding / _exclude_padding on plain NCHW), primitive built
// once per node.
#include "core/kernel_registry.h"
#include "ops/common/onednn.h"
#include "ops/common/pool_geometry.h"

namespace graphrun {

namespace {

// oneDNN's include-padding divisor is always kh * kw, counting also the extra right padding we
// add so its output size matches ceil mode; PyTorch stops counting at H + pad. They differ
// exactly where a ceil-mode window hangs past the padded input.
std::string supports(const NodeInfo& node) {
  std::string reason = onednn::float32_only(node.kernel_dtype());
  if (!reason.empty() || !node.attrs.b("count_include_pad")) return reason;
  pool::Geometry g = pool::geometry(node.attrs, node.inputs[0].shape);
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
    auto algorithm = node.attrs.b("count_include_pad") ? dnnl::algorithm::pooling_avg_include_padding
                                                       : dnnl::algorithm::pooling_avg_exclude_padding;
    dnnl::pooling_forward::desc op(dnnl::prop_kind::forward_inference, algorithm, src_desc_, dst_desc_,
                                   {g.stride[0], g.stride[1]}, {g.kernel[0], g.kernel[1]}, {g.pad[0], g.pad[1]},
                                   {g.onednn_pad_r(0), g.onednn_pad_r(1)});
    primitive_ = dnnl::pooling_forward(dnnl::pooling_forward::primitive_desc(op, onednn::engine()));
  }
  void compute(KernelContext& ctx) override {
    auto src = onednn::wrap(ctx.input(0), src_desc_);
    auto dst = onednn::wrap(ctx.output(0), dst_desc_);
    primitive_.execute(onednn::stream(), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    onednn::stream().wait();
  }

 private:
  dnnl::memory::desc src_desc_, dst_desc_;
  dnnl::pooling_forward primitive_;
};

GR_REGISTER_KERNEL(KernelBuilder("AvgPool", DeviceType::kCPU, "onednn", 10)
                       .supports(supports)
                       .add_class<AvgPoolOneDnn>(DType::kFloat32));

}  // namespace
}  // namespace graphrun
