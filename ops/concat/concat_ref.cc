// Reference Concat: for each outer index, each input contributes one contiguous run of
// (its axis size x inner) elements, copied in input order.
#include <algorithm>

#include "core/kernel_registry.h"
#include "ops/common/axis.h"

namespace graphrun {

namespace {

template <typename T>
class ConcatRef final : public OpKernel {
 public:
  explicit ConcatRef(const NodeInfo& node) {
    const Shape& out = node.outputs[0].shape;
    int axis = axis::normalize(node.attrs.i("axis"), out.rank());
    outer_ = out.product(0, axis);
    for (const auto& in : node.inputs) runs_.push_back(in.shape.product(axis, in.shape.rank()));
  }
  void compute(KernelContext& ctx) override {
    T* y = ctx.output(0).data<T>();
    for (int64_t o = 0; o < outer_; ++o) {
      for (int i = 0; i < ctx.num_inputs(); ++i) {
        const T* x = ctx.input(i).data<T>() + o * runs_[i];
        y = std::copy(x, x + runs_[i], y);
      }
    }
  }

 private:
  int64_t outer_ = 1;
  std::vector<int64_t> runs_;  // elements per outer index, per input
};

GR_REGISTER_KERNEL(KernelBuilder("Concat", DeviceType::kCPU, "reference")
                       .float_types<ConcatRef>()
                       .add<int32_t, ConcatRef>()
                       .add<int64_t, ConcatRef>());

}  // namespace
}  // namespace graphrun
