// Whole-network checks the placement and GPU tests share: graphs from graphs/, deterministic
// images, and "five training steps on these devices equal five on those".
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/device.h"
#include "core/graph.h"
#include "core/tensor.h"
#include "core/variable_store.h"
#include "runtime/exec/executor.h"
#include "runtime/train/compile_training.h"

namespace graphrun::testing {

// graphs/<name> for a batch size.
Graph load(const std::string& name, int64_t batch);
// The graph in float64 (its input, and so every implicit parameter): rounding is then so small
// that five steps of chaotic training cannot magnify it to a visible difference, and the
// comparison of two placements can be strict.
Graph load_float64(const std::string& name, int64_t batch);
// N(0, 1) images of the input's dtype and shape.
Tensor random_images(const TensorInfo& info, uint64_t seed);
// max |a - b| / max |b|
double relative_difference(const Tensor& a, const Tensor& b);

// The model compiled for inference on `devices` (fresh variables, seed 3), run on `images`:
// the tensor `fetch`, on the host.
Tensor forward_output(const Graph& model, const std::vector<DeviceName>& devices, const Tensor& images,
                      const std::string& fetch);

// A model in training on one fixed batch (random images, labels and a fixed learning rate),
// one step at a time; step k runs with step number k (dropout's masks depend on it).
class TrainingRun {
 public:
  TrainingRun(const Graph& model, const CompileOptions& options, double lr);
  // Runs the next step and returns its loss.
  double step();
  // Continue as if `steps` steps had run (after restoring their variables).
  void skip_to(int64_t steps) { steps_ = steps; }
  const TrainingGraph& training() const { return training_; }
  const Graph& graph() const { return executor_.graph(); }
  VariableStore& variables() { return variables_; }
  // Every logical weight (or momentum buffer, with the slots) as it is now.
  std::map<std::string, Tensor> weights(bool slots = false) const;

 private:
  TrainingGraph training_;
  VariableStore variables_;
  Executor executor_;
  Tensor images_, labels_, rate_;
  int64_t steps_ = 0;
};

// Losses of `steps` training steps on one fixed batch (so the updates add up rather than cancel,
// which would magnify rounding) and then every logical weight, on the given devices.
struct TrainResult {
  std::vector<double> losses;
  std::map<std::string, Tensor> weights;
};
TrainResult train_steps(const Graph& model, const CompileOptions& options, int steps, double lr);
inline TrainResult train_steps(const Graph& model, const std::vector<DeviceName>& devices, int steps, double lr) {
  return train_steps(model, CompileOptions{.devices = devices}, steps, lr);
}

// Five steps on `a` and on `b`: losses within `tolerance` relative, every weight within
// `tolerance` of its layer's parameter scale.
// `tolerance` 0 asks for bit-for-bit equal losses and weights.
void check_same_training(const Graph& model, const CompileOptions& a, const CompileOptions& b, double lr,
                         double tolerance);
inline void check_same_training(const Graph& model, const std::vector<DeviceName>& a, const std::vector<DeviceName>& b,
                                double lr, double tolerance) {
  check_same_training(model, CompileOptions{.devices = a}, CompileOptions{.devices = b}, lr, tolerance);
}

}  // namespace graphrun::testing
