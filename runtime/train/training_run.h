// One `graphrun train` run as the steps train() (runtime/train/trainer.cc) takes in order: join
// the ranks, build and compile the graph, open the data, restore variables, start the executor,
// open the outputs, start the input pipeline, run the epochs, finish. The setup steps are in
// training_run.cc, the epochs and what they write in training_loop.cc. The fields are declared
// in the order the steps create them, so they are destroyed in the reverse of it.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/variable_store.h"
#include "runtime/data/batch_source.h"
#include "runtime/data/dataset.h"
#include "runtime/distributed/rank_training.h"
#include "runtime/exec/executor.h"
#include "runtime/passes/compile.h"
#include "runtime/train/checkpoint.h"
#include "runtime/train/schedule.h"
#include "runtime/train/trainer.h"

namespace graphrun {

// Ctrl-C, SIGTERM (a batch system's preemption) and SIGUSR1 (which mpirun forwards to every
// rank: `kill -USR1 <mpirun's pid>`) stop training at the next step boundary with a checkpoint.
// Installed for the life of this object (or until restore()); the previous handlers come back.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals() { restore(); }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  void restore();
  static bool requested();  // a signal came since construction

 private:
  std::vector<void (*)(int)> previous_;
};

// JSON lines appended to --metrics ("": none, as on ranks other than 0).
class MetricsLog {
 public:
  explicit MetricsLog(const std::string& path);
  void write(const nlohmann::ordered_json& line);

 private:
  std::ofstream out_;
};

class TrainingRun {
 public:
  explicit TrainingRun(const TrainConfig& config) : config_(config) {}

  // Setup (training_run.cc), in this order.
  void join_ranks();
  void build_graph();
  void compile();
  void open_data();
  void restore_variables();  // --resume, --weights or --init-from
  void start_executor();
  void agree_with_ranks();   // the ranks run the same job, from rank 0's weights
  void open_outputs();       // the checkpoint folder and the metrics file
  void start_input_pipeline();
  void write_classify_files();
  void announce() const;
  // The steps (training_loop.cc).
  void run_epochs();
  TrainSummary finish();

 private:
  using Clock = std::chrono::steady_clock;
  // One epoch's running totals; lr is the rate of its last step (the epoch's before any).
  struct EpochTally {
    Clock::time_point start;
    double lr = 0;
    double loss = 0;
    int64_t steps = 0;
  };
  void run_step(EpochTally& epoch);
  std::vector<Tensor> run_executor(const Batch& batch);
  void agree_on_loss_and_stopping(double& loss);
  void report_step(double loss, double lr, Clock::time_point step_start, double waited);
  void end_epoch(const EpochTally& epoch);
  void save(int64_t next_epoch, int64_t next_batch);
  std::string what_was_kept();

  const TrainConfig& config_;
  Ranks ranks_;
  int64_t rank_batch_size_ = 0;  // this rank's share of the global batch
  Graph model_;
  CompileOptions compile_;
  TrainingGraph tg_;  // tg_.graph moves into the executor; executor_->graph() is it then
  Shape image_;
  DataSplits data_;
  int64_t steps_per_epoch_ = 0;
  std::optional<Schedule> schedule_;
  VariableStore vars_;
  // Where training is: a checkpoint records (epoch_, batch_in_epoch_) to resume from.
  int64_t step_ = 0, epoch_ = 0, batch_in_epoch_ = 0;
  std::vector<std::string> all_variables_;  // the model's and the optimizer's slots
  std::vector<std::pair<std::string, std::string>> job_;  // what the ranks must agree on
  bool rerun_to_name_ = false;  // a step that produced NaN or Inf is re-run to name the node
  std::vector<std::string> scanned_;  // the nodes --check-numerics gradients scans
  std::optional<Executor> executor_;
  int64_t total_steps_ = 0;
  std::string checkpoint_path_;  // "": this process writes no checkpoints
  std::optional<MetricsLog> metrics_;
  TrainSummary summary_;
  bool live_ = false;   // a progress line redrawn in place on a terminal
  bool speak_ = false;  // only rank 0 prints progress
  std::unique_ptr<BatchSource> source_;
  Tensor lr_tensor_;
  Clock::time_point run_start_;
  int64_t steps_this_run_ = 0;
  double smoothed_loss_ = NAN;
  bool stopping_ = false;
  std::optional<PeriodicCheckpoints> periodic_;
};

}  // namespace graphrun
