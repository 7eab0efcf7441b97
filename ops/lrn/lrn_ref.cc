// Reference LRN and LRNGrad: plain loops, the oracle for the other kernels. Sums accumulate in
// double so the oracle is at least as accurate as any kernel it judges.
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "core/kernel_registry.h"

namespace graphrun {

namespace {

struct LrnAttrs {
  explicit LrnAttrs(const AttrMap& attrs)
      : size(attrs.i("size")),
        groups(attrs.i("groups")),
        alpha(attrs.f("alpha")),
        beta(attrs.f("beta")),
        bias(attrs.f("bias")) {}

  // Channels [lo, hi] of c's window, clipped to c's group of `per_group` channels.
  std::pair<int64_t, int64_t> window(int64_t c, int64_t per_group) const {
    const int64_t group_begin = c / per_group * per_group, half = size / 2;
    return {std::max(group_begin, c - half), std::min(group_begin + per_group - 1, c + half)};
  }

  // d = bias + alpha / size * (sum of squares over each channel's window) for one image
  // x[C, plane] into d[C * plane].
  template <typename T>
  void denominators(const T* x, int64_t channels, int64_t plane, std::vector<double>& d) const {
    const int64_t per_group = channels / groups;
    d.assign(static_cast<size_t>(channels * plane), 0.0);
    for (int64_t c = 0; c < channels; ++c) {
      auto [lo, hi] = window(c, per_group);
      double* dc = d.data() + c * plane;
      for (int64_t j = lo; j <= hi; ++j)
        for (int64_t s = 0; s < plane; ++s) dc[s] += static_cast<double>(x[j * plane + s]) * x[j * plane + s];
      for (int64_t s = 0; s < plane; ++s) dc[s] = bias + alpha / static_cast<double>(size) * dc[s];
    }
  }

  int64_t size, groups;
  double alpha, beta, bias;
};

template <typename T>
class LrnRef final : public OpKernel {
 public:
  explicit LrnRef(const NodeInfo& node) : attrs_(node.attrs) {}

  void compute(KernelContext& ctx) override {
    const Shape& shape = ctx.input(0).shape();
    const int64_t channels = shape[1], plane = shape[2] * shape[3], image = channels * plane;
    std::vector<double> d;
    for (int64_t n = 0; n < shape[0]; ++n) {
      const T* x = ctx.input(0).data<T>() + n * image;
      T* y = ctx.output(0).data<T>() + n * image;
      attrs_.denominators(x, channels, plane, d);
      for (int64_t i = 0; i < image; ++i) y[i] = static_cast<T>(x[i] / std::pow(d[i], attrs_.beta));
    }
  }

 private:
  LrnAttrs attrs_;
};

template <typename T>
class LrnGradRef final : public OpKernel {
 public:
  explicit LrnGradRef(const NodeInfo& node) : attrs_(node.attrs) {}

  void compute(KernelContext& ctx) override {
    const Shape& shape = ctx.input(1).shape();
    const int64_t channels = shape[1], plane = shape[2] * shape[3], image = channels * plane;
    const int64_t per_group = channels / attrs_.groups;
    const double scale = 2.0 * attrs_.beta * attrs_.alpha / static_cast<double>(attrs_.size);
    std::vector<double> d, t(static_cast<size_t>(image));
    for (int64_t n = 0; n < shape[0]; ++n) {
      const T* dy = ctx.input(0).data<T>() + n * image;
      const T* x = ctx.input(1).data<T>() + n * image;
      T* dx = ctx.output(0).data<T>() + n * image;
      attrs_.denominators(x, channels, plane, d);
      // t[c] = dy[c] x[c] d[c]^(-beta-1): what channel c passes back to each channel in its window.
      for (int64_t i = 0; i < image; ++i) t[i] = dy[i] * static_cast<double>(x[i]) * std::pow(d[i], -attrs_.beta - 1);
      for (int64_t j = 0; j < channels; ++j) {
        auto [lo, hi] = attrs_.window(j, per_group);  // the c whose window holds j
        for (int64_t s = 0; s < plane; ++s) {
          double sum = 0;
          for (int64_t c = lo; c <= hi; ++c) sum += t[c * plane + s];
          const int64_t i = j * plane + s;
          dx[i] = static_cast<T>(dy[i] * std::pow(d[i], -attrs_.beta) - scale * x[i] * sum);
        }
      }
    }
  }

 private:
  LrnAttrs attrs_;
};

GR_REGISTER_KERNEL(KernelBuilder("LRN", DeviceType::kCPU, "reference").float_types<LrnRef>());
GR_REGISTER_KERNEL(KernelBuilder("LRNGrad", DeviceType::kCPU, "reference").float_types<LrnGradRef>());

}  // namespace
}  // namespace graphrun
