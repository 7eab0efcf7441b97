// oneDNN Relu and ReluGrad (eltwise_relu forward and backward), primitives built once per node.
#include "core/kernel_registry.h"
#include "ops/common/onednn.h"

namespace graphrun {

namespace {

class ReluOneDnn final : public OpKernel {
 public:
  explicit ReluOneDnn(const NodeInfo& node) {
    auto desc = onednn::plain_desc(node.kernel_dtype(), Shape{node.inputs[0].shape.num_elements()});
    dnnl::eltwise_forward::desc op(dnnl::prop_kind::forward_inference, dnnl::algorithm::eltwise_relu, desc, 0.f, 0.f);
    dnnl::eltwise_forward::primitive_desc pd(op, onednn::engine());
    primitive_ = dnnl::eltwise_forward(pd);
    desc_ = desc;
  }
  void compute(KernelContext& ctx) override {
    auto src = onednn::wrap(ctx.input(0), desc_);
    auto dst = onednn::wrap(ctx.output(0), desc_);
    onednn::execute(primitive_, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  }

 private:
  dnnl::memory::desc desc_;
  dnnl::eltwise_forward primitive_;
};

// dx = dy * (x > 0): oneDNN's relu backward with the forward's input as data (alpha 0 gives
// 0 at the kink, as the reference).
class ReluGradOneDnn final : public OpKernel {
 public:
  explicit ReluGradOneDnn(const NodeInfo& node)
      : desc_(onednn::plain_desc(node.kernel_dtype(), Shape{node.inputs[0].shape.num_elements()})) {
    dnnl::eltwise_forward::desc forward(dnnl::prop_kind::forward_training, dnnl::algorithm::eltwise_relu, desc_, 0.f);
    dnnl::eltwise_forward::primitive_desc hint(forward, onednn::engine());
    dnnl::eltwise_backward::desc backward(dnnl::algorithm::eltwise_relu, desc_, desc_, 0.f);
    primitive_ = dnnl::eltwise_backward(dnnl::eltwise_backward::primitive_desc(backward, onednn::engine(), hint));
  }
  void compute(KernelContext& ctx) override {
    onednn::execute(primitive_, {{DNNL_ARG_DIFF_DST, onednn::wrap(ctx.input(0), desc_)},
                                          {DNNL_ARG_SRC, onednn::wrap(ctx.input(1), desc_)},
                                          {DNNL_ARG_DIFF_SRC, onednn::wrap(ctx.output(0), desc_)}});
  }

 private:
  dnnl::memory::desc desc_;
  dnnl::eltwise_backward primitive_;
};

GR_REGISTER_KERNEL(onednn::kernel_builder("ReluGrad")
                       .add_class<ReluGradOneDnn>(DType::kFloat32)
                       .add_class<ReluGradOneDnn>(DType::kBFloat16));

GR_REGISTER_KERNEL(onednn::kernel_builder("Relu")
                       .add_class<ReluOneDnn>(DType::kFloat32)
                       .add_class<ReluOneDnn>(DType::kBFloat16));

}  // namespace
}  // namespace graphrun
