// oneDNN Add and AddN (sum primitive with unit scales), primitive built once per node. The
// tensors are viewed as flat vectors: the sum is elementwise, so any rank works.
#include "core/kernel_registry.h"
#include "ops/common/onednn.h"

namespace graphrun {

namespace {

class SumOneDnn final : public OpKernel {
 public:
  explicit SumOneDnn(const NodeInfo& node) {
    desc_ = onednn::plain_desc(DType::kFloat32, Shape{node.outputs[0].shape.num_elements()});
    std::vector<dnnl::memory::desc> srcs(node.inputs.size(), desc_);
    std::vector<float> scales(node.inputs.size(), 1.f);
    primitive_ = dnnl::sum(dnnl::sum::primitive_desc(desc_, scales, srcs, onednn::engine()));
  }
  void compute(KernelContext& ctx) override {
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_DST, onednn::wrap(ctx.output(0), desc_)}};
    for (int i = 0; i < ctx.num_inputs(); ++i)
      args.emplace(DNNL_ARG_MULTIPLE_SRC + i, onednn::wrap(ctx.input(i), desc_));
    onednn::execute(primitive_, args);
  }

 private:
  dnnl::memory::desc desc_;
  dnnl::sum primitive_;
};

std::string supports(const NodeInfo& node) { return onednn::float32_or_bfloat16(node.kernel_dtype()); }

GR_REGISTER_KERNEL(
    KernelBuilder("Add", DeviceType::kCPU, "onednn", 10).supports(supports).add_class<SumOneDnn>(DType::kFloat32));
GR_REGISTER_KERNEL(
    KernelBuilder("AddN", DeviceType::kCPU, "onednn", 10).supports(supports).add_class<SumOneDnn>(DType::kFloat32));

}  // namespace
}  // namespace graphrun
