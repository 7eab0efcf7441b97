// oneDNN Softmax (softmax_forward, accurate algorithm), primitive built once per node.
#include "core/kernel_registry.h"
#include "ops/common/axis.h"
#include "ops/common/onednn.h"

namespace graphrun {

namespace {

class SoftmaxOneDnn final : public OpKernel {
 public:
  explicit SoftmaxOneDnn(const NodeInfo& node) {
    const Shape& shape = node.inputs[0].shape;
    desc_ = onednn::plain_desc(DType::kFloat32, shape);
    int axis = axis::normalize(node.attrs.i("axis"), shape.rank());
    dnnl::softmax_forward::desc op(dnnl::prop_kind::forward_inference, desc_, axis);
    primitive_ = dnnl::softmax_forward(dnnl::softmax_forward::primitive_desc(op, onednn::engine()));
  }
  void compute(KernelContext& ctx) override {
    auto src = onednn::wrap(ctx.input(0), desc_);
    auto dst = onednn::wrap(ctx.output(0), desc_);
    onednn::execute(primitive_, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  }

 private:
  dnnl::memory::desc desc_;
  dnnl::softmax_forward primitive_;
};

std::string supports(const NodeInfo& node) {
  int rank = node.inputs[0].shape.rank();
  if (rank > 5) return fmt::format("oneDNN takes rank 1 to 5, got {}", rank);
  return onednn::float32_or_bfloat16(node.kernel_dtype());
}

GR_REGISTER_KERNEL(KernelBuilder("Softmax", DeviceType::kCPU, "onednn", 10)
                       .supports(supports)
                       .add_class<SoftmaxOneDnn>(DType::kFloat32));

}  // namespace
}  // namespace graphrun
