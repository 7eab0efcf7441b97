// Learning-rate schedules, evaluated per epoch: fixed, step (divide by 1/gamma every
// step_size epochs), multistep (at the given epochs), and plateau (divide when the validation
// error stops improving, at most max_decays times: what the AlexNet paper did, 3 times).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/proto/checkpoint.pb.h"

namespace graphrun {

struct ScheduleConfig {
  std::string kind = "fixed";  // fixed | step | multistep | plateau
  double lr = 0.01;
  double gamma = 0.1;
  int64_t step_size = 30;              // step: epochs between decays
  std::vector<int64_t> milestones;     // multistep: epochs at which to decay
  int64_t patience = 1;                // plateau: epochs without improvement before a decay
  int64_t max_decays = 3;              // plateau: at most this many decays
  double min_improvement = 1e-4;       // plateau: smaller error changes do not count
  // Gradual warm-up (Goyal et al. 2017, for large global batches): over the first
  // warmup_epochs the rate rises linearly, step by step, from warmup_start x lr to lr.
  double warmup_epochs = 0;
  double warmup_start = 0.1;
};

class Schedule {
 public:
  explicit Schedule(ScheduleConfig config);
  // The rate for an epoch (0-based).
  double lr(int64_t epoch) const;
  // The rate of a step (0-based, counted over the run): the epoch's, scaled during warm-up.
  double lr_at_step(int64_t epoch, int64_t step, int64_t steps_per_epoch) const;
  // Called with the validation error at the end of each epoch (plateau reacts to it).
  void on_epoch_end(double validation_error);
  proto::ScheduleState state() const;
  void restore(const proto::ScheduleState& state);
  const ScheduleConfig& config() const { return config_; }

 private:
  ScheduleConfig config_;
  double plateau_lr_;
  double best_error_ = 2.0;  // errors are in [0, 1]
  int64_t decays_ = 0;
  int64_t bad_epochs_ = 0;
};

}  // namespace graphrun
