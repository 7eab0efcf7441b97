// Reference SoftmaxCrossEntropy and its gradient: one log-sum-exp pass per row. The loss is
// accumulated in double so a float32 mean over a large batch does not lose the small terms.
#include <cmath>

#include "core/kernel_registry.h"

namespace graphrun {

namespace {

// The label of sample n, checked: an out-of-range label would index outside the row.
int64_t label_of(const Tensor& labels, int64_t n, int64_t classes) {
  int64_t label = labels.dtype() == DType::kInt64 ? labels.data<int64_t>()[n] : labels.data<int32_t>()[n];
  if (label < 0 || label >= classes)
    fail("sample {} has label {}, outside the {} classes [0, {})", n, label, classes, classes);
  return label;
}

// log sum_c exp(row_c), shifted by the row's max so no exp overflows.
template <typename T>
T log_sum_exp(const T* row, int64_t classes) {
  T max = row[0];
  for (int64_t c = 1; c < classes; ++c) max = std::max(max, row[c]);
  T sum = 0;
  for (int64_t c = 0; c < classes; ++c) sum += std::exp(row[c] - max);
  return max + std::log(sum);
}

template <typename T>
class SoftmaxCrossEntropyRef final : public OpKernel {
 public:
  explicit SoftmaxCrossEntropyRef(const NodeInfo&) {}
  void compute(KernelContext& ctx) override {
    const Tensor& logits = ctx.input(0);
    int64_t batch = logits.shape()[0], classes = logits.shape()[1];
    const T* x = logits.data<T>();
    T* probs = ctx.output(1).data<T>();
    double total = 0;
    for (int64_t n = 0; n < batch; ++n) {
      const T* row = x + n * classes;
      int64_t label = label_of(ctx.input(1), n, classes);
      T lse = log_sum_exp(row, classes);
      total += static_cast<double>(lse - row[label]);
      for (int64_t c = 0; c < classes; ++c) probs[n * classes + c] = std::exp(row[c] - lse);
    }
    ctx.output(0).data<T>()[0] = static_cast<T>(total / static_cast<double>(batch));
  }
};

template <typename T>
class SoftmaxCrossEntropyGradRef final : public OpKernel {
 public:
  explicit SoftmaxCrossEntropyGradRef(const NodeInfo&) {}
  void compute(KernelContext& ctx) override {
    const Tensor& logits = ctx.input(0);
    int64_t batch = logits.shape()[0], classes = logits.shape()[1];
    const T* x = logits.data<T>();
    T scale = ctx.input(2).data<T>()[0] / static_cast<T>(batch);
    T* dx = ctx.output(0).data<T>();
    for (int64_t n = 0; n < batch; ++n) {
      const T* row = x + n * classes;
      int64_t label = label_of(ctx.input(1), n, classes);
      T lse = log_sum_exp(row, classes);
      for (int64_t c = 0; c < classes; ++c)
        dx[n * classes + c] = (std::exp(row[c] - lse) - (c == label ? T(1) : T(0))) * scale;
    }
  }
};

GR_REGISTER_KERNEL(
    KernelBuilder("SoftmaxCrossEntropy", DeviceType::kCPU, "reference").float_types<SoftmaxCrossEntropyRef>());
GR_REGISTER_KERNEL(
    KernelBuilder("SoftmaxCrossEntropyGrad", DeviceType::kCPU, "reference").float_types<SoftmaxCrossEntropyGradRef>());

}  // namespace
}  // namespace graphrun
