// Reference LRN: plain loops, the oracle for the other kernels. Sums of squares accumulate in
// double so the oracle is at least as accurate as any kernel it judges.
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/kernel_registry.h"

namespace graphrun {

namespace {

template <typename T>
class LrnRef final : public OpKernel {
 public:
  explicit LrnRef(const NodeInfo& node)
      : size_(node.attrs.i("size")),
        groups_(node.attrs.i("groups")),
        alpha_(node.attrs.f("alpha")),
        beta_(node.attrs.f("beta")),
        bias_(node.attrs.f("bias")) {}

  void compute(KernelContext& ctx) override {
    const Shape& shape = ctx.input(0).shape();
    const int64_t batch = shape[0], channels = shape[1], plane = shape[2] * shape[3];
    const int64_t per_group = channels / groups_, half = size_ / 2;
    const T* x = ctx.input(0).data<T>();
    T* y = ctx.output(0).data<T>();
    std::vector<double> square_sum(static_cast<size_t>(plane));
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t c = 0; c < channels; ++c) {
        const int64_t group_begin = c / per_group * per_group;
        const int64_t lo = std::max(group_begin, c - half), hi = std::min(group_begin + per_group - 1, c + half);
        std::fill(square_sum.begin(), square_sum.end(), 0.0);
        for (int64_t j = lo; j <= hi; ++j) {
          const T* xj = x + (n * channels + j) * plane;
          for (int64_t s = 0; s < plane; ++s) square_sum[s] += static_cast<double>(xj[s]) * xj[s];
        }
        const T* xc = x + (n * channels + c) * plane;
        T* yc = y + (n * channels + c) * plane;
        for (int64_t s = 0; s < plane; ++s)
          yc[s] = static_cast<T>(xc[s] / std::pow(bias_ + alpha_ / size_ * square_sum[s], beta_));
      }
    }
  }

 private:
  int64_t size_, groups_;
  double alpha_, beta_, bias_;
};

GR_REGISTER_KERNEL(KernelBuilder("LRN", DeviceType::kCPU, "reference").float_types<LrnRef>());

}  // namespace
}  // namespace graphrun
