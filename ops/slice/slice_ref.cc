// Reference Slice and Split: copies contiguous runs. Slice merges the trailing dimensions it
// takes whole into one run, so slicing channels of NCHW copies whole planes at a time.
#include <algorithm>

#include "core/kernel_registry.h"
#include "ops/common/axis.h"

namespace graphrun {

namespace {

template <typename T>
class SliceRef final : public OpKernel {
 public:
  explicit SliceRef(const NodeInfo& node) {
    const Shape& in = node.inputs[0].shape;
    const Shape& out = node.outputs[0].shape;
    std::vector<int64_t> begin = node.attrs.ints("begin");
    int rank = in.rank();
    std::vector<int64_t> strides(rank, 1);
    for (int d = rank - 2; d >= 0; --d) strides[d] = strides[d + 1] * in[d + 1];
    for (int d = 0; d < rank; ++d) base_ += begin[d] * strides[d];
    // Dimensions after `last` are taken whole, so one run spans them.
    int last = rank - 1;
    while (last > 0 && out[last] == in[last]) --last;
    run_ = rank == 0 ? 1 : out[last] * strides[last];
    for (int d = 0; d < last; ++d) {
      outer_dims_.push_back(out[d]);
      outer_strides_.push_back(strides[d]);
    }
  }
  void compute(KernelContext& ctx) override {
    const T* x = ctx.input(0).data<T>() + base_;
    T* y = ctx.output(0).data<T>();
    int64_t rows = ctx.output(0).num_elements() / run_;
    for (int64_t r = 0; r < rows; ++r) {
      int64_t offset = 0;
      for (int64_t d = static_cast<int64_t>(outer_dims_.size()) - 1, rest = r; d >= 0; --d) {
        offset += (rest % outer_dims_[d]) * outer_strides_[d];
        rest /= outer_dims_[d];
      }
      y = std::copy(x + offset, x + offset + run_, y);
    }
  }

 private:
  int64_t base_ = 0;
  int64_t run_ = 1;
  std::vector<int64_t> outer_dims_, outer_strides_;
};

template <typename T>
class SplitRef final : public OpKernel {
 public:
  explicit SplitRef(const NodeInfo& node) {
    const Shape& in = node.inputs[0].shape;
    axis::AxisSplit s = axis::split_at(in, axis::normalize(node.attrs.i("axis"), in.rank()));
    outer_ = s.outer;
    run_ = s.axis / static_cast<int64_t>(node.outputs.size()) * s.inner;
  }
  void compute(KernelContext& ctx) override {
    const T* x = ctx.input(0).data<T>();
    int parts = ctx.num_outputs();
    for (int j = 0; j < parts; ++j) {
      T* y = ctx.output(j).data<T>();
      for (int64_t o = 0; o < outer_; ++o) {
        const T* src = x + (o * parts + j) * run_;
        y = std::copy(src, src + run_, y);
      }
    }
  }

 private:
  int64_t outer_ = 1;
  int64_t run_ = 1;  // elements of one part per outer index
};

GR_REGISTER_KERNEL(KernelBuilder("Slice", DeviceType::kCPU, "reference")
                       .float_types<SliceRef>()
                       .add<int32_t, SliceRef>()
                       .add<int64_t, SliceRef>());
GR_REGISTER_KERNEL(KernelBuilder("Split", DeviceType::kCPU, "reference")
                       .float_types<SplitRef>()
                       .add<int32_t, SplitRef>()
                       .add<int64_t, SplitRef>());

}  // namespace
}  // namespace graphrun
