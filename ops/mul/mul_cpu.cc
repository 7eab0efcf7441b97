// oneDNN Mul: the binary_mul primitive over the tensors viewed as flat vectors, built once per node.
#include "core/kernel_registry.h"
#include "ops/common/onednn.h"

namespace graphrun {

namespace {

class MulOneDnn final : public OpKernel {
 public:
  explicit MulOneDnn(const NodeInfo& node)
      : desc_(onednn::plain_desc(DType::kFloat32, Shape{node.outputs[0].shape.num_elements()})) {
    dnnl::binary::desc op(dnnl::algorithm::binary_mul, desc_, desc_, desc_);
    primitive_ = dnnl::binary(dnnl::binary::primitive_desc(op, onednn::engine()));
  }
  void compute(KernelContext& ctx) override {
    onednn::execute(primitive_, {{DNNL_ARG_SRC_0, onednn::wrap(ctx.input(0), desc_)},
                                 {DNNL_ARG_SRC_1, onednn::wrap(ctx.input(1), desc_)},
                                 {DNNL_ARG_DST, onednn::wrap(ctx.output(0), desc_)}});
  }

 private:
  dnnl::memory::desc desc_;
  dnnl::binary primitive_;
};

GR_REGISTER_KERNEL(onednn::kernel_builder("Mul").add_class<MulOneDnn>(DType::kFloat32));

}  // namespace
}  // namespace graphrun
