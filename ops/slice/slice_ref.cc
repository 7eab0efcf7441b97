// Reference Slice, SliceGrad and Split: copies contiguous runs. A box merges the trailing
// dimensions it takes whole into one run, so slicing channels of NCHW copies whole planes.
#include <algorithm>

#include "core/kernel_registry.h"
#include "ops/common/axis.h"

namespace graphrun {

namespace {

// Where a box of `in` lies in memory: `rows` contiguous runs of `run` elements, run r at
// base + offset(r). Slice copies the runs out; SliceGrad copies dy back into them.
class SliceBox {
 public:
  SliceBox(const Shape& in, const Shape& out, const std::vector<int64_t>& begin) {
    int rank = in.rank();
    std::vector<int64_t> strides(rank, 1);
    for (int d = rank - 2; d >= 0; --d) strides[d] = strides[d + 1] * in[d + 1];
    for (int d = 0; d < rank; ++d) base_ += begin[d] * strides[d];
    // Dimensions after `last` are taken whole, so one run spans them.
    int last = rank - 1;
    while (last > 0 && out[last] == in[last]) --last;
    run_ = rank == 0 ? 1 : out[last] * strides[last];
    rows_ = out.num_elements() / run_;
    for (int d = 0; d < last; ++d) {
      outer_dims_.push_back(out[d]);
      outer_strides_.push_back(strides[d]);
    }
  }
  int64_t rows() const { return rows_; }
  int64_t run() const { return run_; }
  int64_t offset(int64_t row) const {
    int64_t offset = base_;
    for (int64_t d = static_cast<int64_t>(outer_dims_.size()) - 1, rest = row; d >= 0; --d) {
      offset += (rest % outer_dims_[d]) * outer_strides_[d];
      rest /= outer_dims_[d];
    }
    return offset;
  }

 private:
  int64_t base_ = 0;
  int64_t run_ = 1;
  int64_t rows_ = 0;
  std::vector<int64_t> outer_dims_, outer_strides_;
};

template <typename T>
class SliceRef final : public OpKernel {
 public:
  explicit SliceRef(const NodeInfo& node)
      : box_(node.inputs[0].shape, node.outputs[0].shape, node.attrs.ints("begin")) {}
  void compute(KernelContext& ctx) override {
    const T* x = ctx.input(0).data<T>();
    T* y = ctx.output(0).data<T>();
    for (int64_t r = 0; r < box_.rows(); ++r) {
      const T* src = x + box_.offset(r);
      y = std::copy(src, src + box_.run(), y);
    }
  }

 private:
  SliceBox box_;
};

template <typename T>
class SliceGradRef final : public OpKernel {
 public:
  explicit SliceGradRef(const NodeInfo& node)
      : box_(node.inputs[0].shape, node.inputs[1].shape, node.attrs.ints("begin")) {}
  void compute(KernelContext& ctx) override {
    Tensor& dx = ctx.output(0);
    dx.fill_zero();
    const T* dy = ctx.input(1).data<T>();
    T* out = dx.data<T>();
    for (int64_t r = 0; r < box_.rows(); ++r, dy += box_.run()) std::copy(dy, dy + box_.run(), out + box_.offset(r));
  }

 private:
  SliceBox box_;
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
GR_REGISTER_KERNEL(KernelBuilder("SliceGrad", DeviceType::kCPU, "reference").float_types<SliceGradRef>());
GR_REGISTER_KERNEL(KernelBuilder("Split", DeviceType::kCPU, "reference")
                       .float_types<SplitRef>()
                       .add<int32_t, SplitRef>()
                       .add<int64_t, SplitRef>());

}  // namespace
}  // namespace graphrun
