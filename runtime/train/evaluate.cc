#include "runtime/train/evaluate.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "runtime/data/batch_source.h"
#include "runtime/data/device_batch_source.h"

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

namespace {

// Every sample of `data` once, in order, in batches of the input's size; as in training, in the
// input device's staging memory and uploaded ahead of each run.
std::unique_ptr<BatchSource> evaluation_batches(Executor& executor, const std::string& data_input,
                                                const Dataset& data, EvalShare share = {}) {
  const Shape& input = executor.graph().node(data_input).outputs[0].shape;
  Device& device = get_device(executor.device_of(data_input));
  BatchSourceOptions options{.batch_size = input[0],
                             .image = Shape(std::vector<int64_t>(input.dims().begin() + 1, input.dims().end())),
                             .train = false,
                             .allocator = &device.staging_allocator()};
  std::unique_ptr<BatchSource> source = make_device_batch_source(make_batch_source(data, options), device, options);
  std::vector<int64_t> order;
  for (int64_t i = share.index; i < data.size(); i += share.count) order.push_back(i);
  source->start_epoch(order, 0, 0, 0);
  return source;
}

// probs[c] += scale * softmax(row r of logits)[c]
void add_softmax_row(const Tensor& logits, int64_t r, double scale, double* probs) {
  const int64_t classes = logits.shape()[1];
  double max = -INFINITY, total = 0;
  for (int64_t c = 0; c < classes; ++c) max = std::max(max, logits.value_as_double(r * classes + c));
  for (int64_t c = 0; c < classes; ++c) total += std::exp(logits.value_as_double(r * classes + c) - max);
  for (int64_t c = 0; c < classes; ++c) probs[c] += scale * std::exp(logits.value_as_double(r * classes + c) - max) / total;
}

}  // namespace

EvalResult evaluate(Executor& executor, const std::string& data_input, const std::string& logits,
                    const Dataset& data, EvalShare share) {
  std::unique_ptr<BatchSource> source = evaluation_batches(executor, data_input, data, share);
  EvalResult sums;
  // Several views of a sample (ten-crop): their softmax outputs are averaged, then scored.
  int views = data.views();
  int64_t current = -1, current_label = 0;
  std::vector<double> probs;
  auto flush = [&] {
    if (current < 0) return;
    Tensor mean(DType::kFloat64, Shape{1, static_cast<int64_t>(probs.size())}), label(DType::kInt64, Shape{1});
    for (size_t c = 0; c < probs.size(); ++c) mean.data<double>()[c] = std::log(std::max(probs[c] / views, 1e-300));
    label.data<int64_t>()[0] = current_label;
    score_batch(mean, label, 1, sums);
  };
  while (Batch* batch = source->next()) {
    Tensor out = executor.run({{data_input, batch->images}}, {logits}, /*training=*/false)[0];
    Tensor labels = batch->labels.to_host();  // scored here, on the host
    if (views == 1) {
      score_batch(out, labels, batch->valid, sums);
    } else {
      int64_t classes = out.shape()[1];
      for (int64_t r = 0; r < batch->valid; ++r) {
        int64_t sample = batch->items[r] / views;
        if (sample != current) flush(), current = sample, current_label = labels.data<int64_t>()[r], probs.assign(classes, 0.0);
        add_softmax_row(out, r, 1.0, probs.data());
      }
    }
    source->release(batch);
  }
  flush();
  if (sums.samples > 0) {
    sums.top1 /= static_cast<double>(sums.samples);
    sums.top5 /= static_cast<double>(sums.samples);
    sums.loss /= static_cast<double>(sums.samples);
  }
  return sums;
}

SampleProbabilities sample_probabilities(Executor& executor, const std::string& data_input, const std::string& logits,
                                         const Dataset& data) {
  std::unique_ptr<BatchSource> source = evaluation_batches(executor, data_input, data);
  const int views = data.views();
  SampleProbabilities result;
  result.labels.assign(data.size(), -1);
  std::vector<double> probs;  // [samples, classes], allocated with the first batch
  int64_t classes = 0;
  while (Batch* batch = source->next()) {
    Tensor out = executor.run({{data_input, batch->images}}, {logits}, /*training=*/false)[0];
    Tensor labels = batch->labels.to_host();
    if (probs.empty()) classes = out.shape()[1], probs.assign(data.size() * classes, 0.0);
    for (int64_t r = 0; r < batch->valid; ++r) {
      int64_t sample = batch->items[r] / views;
      result.labels[sample] = labels.data<int64_t>()[r];
      add_softmax_row(out, r, 1.0 / views, &probs[sample * classes]);
    }
    source->release(batch);
  }
  result.probabilities = Tensor(DType::kFloat64, Shape{data.size(), classes});
  std::copy(probs.begin(), probs.end(), result.probabilities.data<double>());
  return result;
}

EvalResult score_probabilities(const SampleProbabilities& p) {
  EvalResult sums;
  const int64_t classes = p.probabilities.shape()[1];
  Tensor row(DType::kFloat64, Shape{1, classes}), label(DType::kInt64, Shape{1});
  for (size_t n = 0; n < p.labels.size(); ++n) {
    if (p.labels[n] < 0) continue;  // a sample the data set skipped (a bad image)
    for (int64_t c = 0; c < classes; ++c)
      row.data<double>()[c] = std::log(std::max(p.probabilities.data<double>()[n * classes + c], 1e-300));
    label.data<int64_t>()[0] = p.labels[n];
    score_batch(row, label, 1, sums);
  }
  if (sums.samples > 0) {
    sums.top1 /= static_cast<double>(sums.samples);
    sums.top5 /= static_cast<double>(sums.samples);
    sums.loss /= static_cast<double>(sums.samples);
  }
  return sums;
}

}  // namespace graphrun
