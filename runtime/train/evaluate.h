// Evaluation: top-1 / top-5 accuracy and mean loss of a graph's logits over a data set.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"
#include "runtime/data/dataset.h"
#include "runtime/exec/executor.h"

namespace graphrun {

struct EvalResult {
  int64_t samples = 0;
  double top1 = 0;  // accuracy in [0, 1]
  double top5 = 0;  // only meaningful with at least 5 classes
  double loss = 0;  // mean cross-entropy
};

// Accumulates top-k hits and cross-entropy of one batch of logits [batch, classes]; only the
// first `valid` rows count (the last batch is padded to the compiled batch size).
void score_batch(const Tensor& logits, const Tensor& labels, int64_t valid, EvalResult& sums);

// Which samples one of several evaluators takes: those whose index modulo `count` is `index`
// (each rank of a multi-process run evaluates its share; their sums are added).
struct EvalShare {
  int64_t index = 0;
  int64_t count = 1;
};

// Runs `logits` over the data set (or its share) in batches of the graph's batch size
// (inference mode).
EvalResult evaluate(Executor& executor, const std::string& data_input, const std::string& logits,
                    const Dataset& data, EvalShare share = {});

// Per sample of `data`: the softmax of `logits` averaged over the sample's views
// ([samples, classes] float64), and the labels. Multi-scale evaluation averages these over
// scales before scoring them with score_probabilities.
struct SampleProbabilities {
  Tensor probabilities;
  std::vector<int64_t> labels;
};
SampleProbabilities sample_probabilities(Executor& executor, const std::string& data_input, const std::string& logits,
                                         const Dataset& data);
// Top-1, top-5 and cross-entropy of averaged probabilities (as evaluate scores several views).
EvalResult score_probabilities(const SampleProbabilities& p);

}  // namespace graphrun
