// Pad on the CPU: the output filled with the value, then each innermost row of the input copied
// to its place with memcpy, oneTBB spreading the rows over the cores.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstring>

#include "core/kernel_registry.h"

namespace graphrun {

namespace {

template <typename T>
class PadCpu final : public OpKernel {
 public:
  explicit PadCpu(const NodeInfo& node)
      : pads_(node.attrs.ints("pads")), value_(static_cast<T>(node.attrs.f("value"))) {}
  void compute(KernelContext& ctx) override {
    const Shape &in = ctx.input(0).shape(), &out = ctx.output(0).shape();
    const T* x = ctx.input(0).data<T>();
    T* y = ctx.output(0).data<T>();
    std::fill(y, y + out.num_elements(), value_);
    if (in.num_elements() == 0) return;
    const int rank = in.rank();
    const int64_t row = rank == 0 ? 1 : in[rank - 1];
    const int64_t first = rank == 0 ? 0 : pads_[rank - 1];  // where a row starts in the output's row
    tbb::parallel_for(int64_t(0), in.num_elements() / row, [&](int64_t r) {
      int64_t rest = r, offset = first, stride = rank == 0 ? 1 : out[rank - 1];
      for (int d = rank - 2; d >= 0; --d) {
        offset += (rest % in[d] + pads_[d]) * stride;
        rest /= in[d];
        stride *= out[d];
      }
      std::memcpy(y + offset, x + r * row, row * sizeof(T));
    });
  }

 private:
  std::vector<int64_t> pads_;
  T value_;
};

GR_REGISTER_KERNEL(KernelBuilder("Pad", DeviceType::kCPU, "tbb", 10).float_types<PadCpu>());

}  // namespace
}  // namespace graphrun
