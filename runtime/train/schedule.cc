#include "runtime/train/schedule.h"

#include <cmath>

#include "core/error.h"

namespace graphrun {

Schedule::Schedule(ScheduleConfig config) : config_(std::move(config)), plateau_lr_(config_.lr) {
  const std::string& k = config_.kind;
  if (k != "fixed" && k != "step" && k != "multistep" && k != "plateau")
    fail("unknown schedule '{}' (fixed, step, multistep, plateau)", k);
  if (!(config_.lr > 0)) fail("the learning rate must be positive, got {}", config_.lr);
  if (!(config_.gamma > 0 && config_.gamma <= 1)) fail("schedule gamma must be in (0, 1], got {}", config_.gamma);
  if (k == "step" && config_.step_size < 1) fail("schedule step_size must be at least 1 epoch");
  if (k == "multistep" && config_.milestones.empty()) fail("schedule multistep needs milestones (epochs)");
  if (config_.warmup_epochs < 0) fail("--warmup-epochs {}: want 0 or more epochs", config_.warmup_epochs);
  if (!(config_.warmup_start > 0 && config_.warmup_start <= 1))
    fail("--warmup-start {}: want a factor in (0, 1]", config_.warmup_start);
}

double Schedule::lr(int64_t epoch) const {
  if (config_.kind == "step") return config_.lr * std::pow(config_.gamma, static_cast<double>(epoch / config_.step_size));
  if (config_.kind == "multistep") {
    int passed = 0;
    for (int64_t m : config_.milestones) passed += epoch >= m;
    return config_.lr * std::pow(config_.gamma, passed);
  }
  if (config_.kind == "plateau") return plateau_lr_;
  return config_.lr;
}

double Schedule::lr_at_step(int64_t epoch, int64_t step, int64_t steps_per_epoch) const {
  double warmup_steps = config_.warmup_epochs * static_cast<double>(steps_per_epoch);
  double base = lr(epoch);
  if (!(warmup_steps > 0) || static_cast<double>(step) >= warmup_steps) return base;
  double progress = static_cast<double>(step) / warmup_steps;
  return base * (config_.warmup_start + (1.0 - config_.warmup_start) * progress);
}

void Schedule::on_epoch_end(double validation_error) {
  if (config_.kind != "plateau") return;
  if (validation_error < best_error_ - config_.min_improvement) {
    best_error_ = validation_error;
    bad_epochs_ = 0;
    return;
  }
  if (++bad_epochs_ >= config_.patience && decays_ < config_.max_decays) {
    plateau_lr_ *= config_.gamma;
    ++decays_;
    bad_epochs_ = 0;
  }
}

proto::ScheduleState Schedule::state() const {
  proto::ScheduleState s;
  s.set_lr(plateau_lr_);
  s.set_best_error(best_error_);
  s.set_decays(static_cast<int32_t>(decays_));
  s.set_bad_epochs(static_cast<int32_t>(bad_epochs_));
  return s;
}

void Schedule::restore(const proto::ScheduleState& s) {
  plateau_lr_ = s.lr();
  best_error_ = s.best_error();
  decays_ = s.decays();
  bad_epochs_ = s.bad_epochs();
}

}  // namespace graphrun
