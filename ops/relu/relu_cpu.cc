// oneDNN Relu (eltwise_relu), primitive built once per node.
#include "core/kernel_registry.h"
#include "ops/common/onednn.h"

namespace graphrun {

namespace {

class ReluOneDnn final : public OpKernel {
 public:
  explicit ReluOneDnn(const NodeInfo& node) {
    auto desc = onednn::plain_desc(DType::kFloat32, Shape{node.inputs[0].shape.num_elements()});
    dnnl::eltwise_forward::desc op(dnnl::prop_kind::forward_inference, dnnl::algorithm::eltwise_relu, desc, 0.f, 0.f);
    dnnl::eltwise_forward::primitive_desc pd(op, onednn::engine());
    primitive_ = dnnl::eltwise_forward(pd);
    desc_ = desc;
  }
  void compute(KernelContext& ctx) override {
    auto src = onednn::wrap(ctx.input(0), desc_);
    auto dst = onednn::wrap(ctx.output(0), desc_);
    primitive_.execute(onednn::stream(), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    onednn::stream().wait();
  }

 private:
  dnnl::memory::desc desc_;
  dnnl::eltwise_forward primitive_;
};

GR_REGISTER_KERNEL(KernelBuilder("Relu", DeviceType::kCPU, "onednn", 10)
                       .supports([](const NodeInfo& node) { return onednn::float32_only(node.kernel_dtype()); })
                       .add_class<ReluOneDnn>(DType::kFloat32));

}  // namespace
}  // namespace graphrun
