// oneDNN MaxPool (pooling_max on plain NCHW), primitive built once per node. oneDNN ignores
// padded cells in max pooling, which is our -infinity padding.
#include "core/kernel_registry.h"
#include "ops/common/onednn.h"
#include "ops/common/pool_geometry.h"

namespace graphrun {

namespace {

class MaxPoolOneDnn final : public OpKernel {
 public:
  explicit MaxPoolOneDnn(const NodeInfo& node) {
    pool::Geometry g = pool::geometry(node.attrs, node.inputs[0].shape);
    src_desc_ = onednn::plain_desc(node.kernel_dtype(), node.inputs[0].shape);
    dst_desc_ = onednn::plain_desc(node.kernel_dtype(), node.outputs[0].shape);
    // forward_inference: no argmax workspace here; MaxPoolGrad recomputes the forward for its own.
    dnnl::pooling_forward::desc op(dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_max, src_desc_,
                                   dst_desc_, {g.stride[0], g.stride[1]}, {g.kernel[0], g.kernel[1]},
                                   {g.pad[0], g.pad[1]}, {g.onednn_pad_r(0), g.onednn_pad_r(1)});
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

GR_REGISTER_KERNEL(onednn::kernel_builder("MaxPool")
                       .add_class<MaxPoolOneDnn>(DType::kFloat32)
                       .add_class<MaxPoolOneDnn>(DType::kBFloat16));

}  // namespace
}  // namespace graphrun
