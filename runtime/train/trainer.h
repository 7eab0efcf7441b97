// The training loop behind `graphrun train`: batches from the data set in a per-epoch order,
// one executor run per step (forward, backward, updates), a live progress line, validation
// after each epoch, metrics as JSON lines, atomic checkpoints, resume, and Ctrl-C.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runtime/train/numerics_check.h"
#include "runtime/train/schedule.h"
#include "runtime/train/training_graph.h"

namespace graphrun {

struct TrainConfig {
  std::string graph;
  std::string data = "synthetic";
  // Unset: the graph's training section, else 128, 1 and 0 (apply_graph_defaults). Set is set:
  // 0 is a seed like any other, and a batch size or epoch count below 1 is refused.
  std::optional<int64_t> batch_size;
  std::optional<int64_t> epochs;
  std::optional<int64_t> max_steps;  // stop after this many steps in all (unset: no limit)
  std::optional<uint64_t> seed;
  std::string devices = "cpu:0";  // "cpu:0,cpu:1": several devices share the work (runtime/passes)
  std::string parallel;  // how: model, data or hybrid (runtime/passes/split.h); "": the graph's, else model
  std::string checkpoint_dir;  // "" : no checkpoints
  std::string resume;          // a checkpoint to continue from
  std::string weights;         // initial weights (.npz or checkpoint weights) instead of the initializers
  std::string init_from;       // warm start: the variables of these weights that fit (runtime/train/warm_start.h)
  std::vector<std::string> init_map;  // SRC=DST pairs or map files for init_from
  std::string metrics;         // a .jsonl file
  CheckNumerics check_numerics = CheckNumerics::kGradients;  // NaN and Inf (runtime/train/numerics_check.h)
  bool quiet = false;          // no live progress line
  int data_threads = 0;        // input pipeline threads for image data (0: all cores)
  int64_t scale_min = 0, scale_max = 0;  // image data: training scale S or its jitter range (0: off)
  int64_t shift = 0;  // Fashion-MNIST: move training samples by up to this many pixels (DataOptions)
  bool flip = false;  // Fashion-MNIST: mirror training samples with p = 1/2
  // Checkpoints besides each epoch's: every this many steps, or seconds (0: off); the last
  // keep_checkpoints of them are kept as step-N.ckpt beside latest.ckpt.
  int64_t checkpoint_every_steps = 0;
  double checkpoint_every_seconds = 0;
  int64_t keep_checkpoints = 3;
  // Several ranks (mpirun -np N): how long a collective waits for the others, the gradient
  // bucket size, and a hash check after every step that the ranks' weights are identical.
  double comm_timeout = 60;
  int64_t bucket_bytes = int64_t{25} << 20;
  bool verify_replicas = false;
  bool float64 = false;  // compute in float64 (runtime/passes/float64.h): for checks
  ScheduleConfig schedule;
  OptimizerSettings optimizer;
};

struct TrainSummary {
  int64_t steps = 0;
  int64_t epochs_done = 0;
  double last_loss = 0;
  double val_top1 = 0, val_top5 = 0;
  bool interrupted = false;
  std::string checkpoint;  // the last one written
  bool leader = true;      // rank 0 (or the only process): the one that reports
};

// The keys a graph's `training { options { } }` may have, each with its meaning and valid values.
struct TrainingOptionKey {
  const char* name;
  const char* doc;
};
const std::vector<TrainingOptionKey>& training_option_keys();

// Fills unset fields of `config` from the graph file's training section, then the defaults.
// `given`: the training option keys the command line set (lr, momentum, ...), which the graph's
// own values do not replace. Refuses unknown keys and values out of range. Call before train().
void apply_graph_defaults(const proto::Training& training, TrainConfig& config, const std::set<std::string>& given);

TrainSummary train(const TrainConfig& config);

}  // namespace graphrun
