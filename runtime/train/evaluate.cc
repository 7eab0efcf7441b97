#include "runtime/train/evaluate.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace graphrun {

void score_batch(const Tensor& logits, const Tensor& labels, int64_t valid, EvalResult& sums) {
  int64_t classes = logits.shape()[1];
  for (int64_t n = 0; n < valid; ++n) {
    int64_t label = labels.data<int64_t>()[n];
    double target = logits.value_as_double(n * classes + label);
    int64_t above = 0;
    double max = -INFINITY;
    for (int64_t c = 0; c < classes; ++c) max = std::max(max, logits.value_as_double(n * classes + c));
    double sum = 0;
    for (int64_t c = 0; c < classes; ++c) {
      double v = logits.value_as_double(n * classes + c);
      // Ties count against the sample, so a constant output never scores.
      if (c != label && v >= target) ++above;
      sum += std::exp(v - max);
    }
    sums.top1 += above < 1;
    sums.top5 += above < 5;
    sums.loss += std::log(sum) + max - target;
    ++sums.samples;
  }
}

EvalResult evaluate(Executor& executor, const std::string& data_input, const std::string& logits,
                    const Dataset& data) {
  const Shape& input = executor.graph().node(data_input).outputs[0].shape;
  int64_t batch = input[0];
  Tensor images(DType::kFloat32, input), labels(DType::kInt64, Shape{batch});
  std::vector<int64_t> order(data.size());
  std::iota(order.begin(), order.end(), 0);
  EvalResult sums;
  for (int64_t first = 0; first < data.size(); first += batch) {
    fill_batch(data, order, first, images, labels);
    Tensor out = executor.run({{data_input, images}}, {logits}, /*training=*/false)[0];
    score_batch(out, labels, std::min(batch, data.size() - first), sums);
  }
  if (sums.samples > 0) {
    sums.top1 /= static_cast<double>(sums.samples);
    sums.top5 /= static_cast<double>(sums.samples);
    sums.loss /= static_cast<double>(sums.samples);
  }
  return sums;
}

}  // namespace graphrun
