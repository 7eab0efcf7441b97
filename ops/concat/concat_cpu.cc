// oneDNN Concat (concat primitive), primitive built once per node.
#include "core/kernel_registry.h"
#include "ops/common/axis.h"
#include "ops/common/onednn.h"

namespace graphrun {

namespace {

class ConcatOneDnn final : public OpKernel {
 public:
  explicit ConcatOneDnn(const NodeInfo& node) {
    const Shape& out = node.outputs[0].shape;
    int axis = axis::normalize(node.attrs.i("axis"), out.rank());
    for (const auto& in : node.inputs) srcs_.push_back(onednn::plain_desc(DType::kFloat32, in.shape));
    dst_ = onednn::plain_desc(DType::kFloat32, out);
    primitive_ = dnnl::concat(dnnl::concat::primitive_desc(dst_, axis, srcs_, onednn::engine()));
  }
  void compute(KernelContext& ctx) override {
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_DST, onednn::wrap(ctx.output(0), dst_)}};
    for (int i = 0; i < ctx.num_inputs(); ++i)
      args.emplace(DNNL_ARG_MULTIPLE_SRC + i, onednn::wrap(ctx.input(i), srcs_[i]));
    onednn::execute(primitive_, args);
  }

 private:
  std::vector<dnnl::memory::desc> srcs_;
  dnnl::memory::desc dst_;
  dnnl::concat primitive_;
};

std::string supports(const NodeInfo& node) {
  int rank = node.outputs[0].shape.rank();
  if (rank > 5) return fmt::format("oneDNN takes rank 1 to 5, got {}", rank);
  return onednn::float32_or_bfloat16(node.kernel_dtype());
}

GR_REGISTER_KERNEL(KernelBuilder("Concat", DeviceType::kCPU, "onednn", 10)
                       .supports(supports)
                       .add_class<ConcatOneDnn>(DType::kFloat32));

}  // namespace
}  // namespace graphrun
