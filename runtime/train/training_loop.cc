// The epochs of a training run (training_run.h): steps, progress, metrics, validation,
// checkpoints, the stop signals, and what a run leaves behind when it ends or fails.
#include <atomic>
#include <csignal>
#include <filesystem>

#include "core/error.h"
#include "core/npz.h"
#include "core/variable_parts.h"
#include "runtime/train/evaluate.h"
#include "runtime/train/numerics_check.h"
#include "runtime/train/training_run.h"

namespace graphrun {

namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void on_stop_signal(int) { g_interrupted = true; }
constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGUSR1};

std::string duration_str(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, s / 60 % 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// `graph` is the executor's (tg.graph has moved into it).
proto::Checkpoint make_checkpoint(const Graph& graph, const TrainingGraph& tg, VariableStore& vars, const TrainConfig& config,
                                  const Schedule& schedule, int64_t step, int64_t epoch, int64_t batch_in_epoch) {
  proto::Checkpoint ckpt;
  ckpt.set_graph(graph.name);
  // Logical variables: a checkpoint written on two devices loads on one, and back.
  for (const auto& name : logical_variable_names(graph, tg.model_variables)) {
    auto* t = ckpt.add_weights();
    t->set_name(name);
    *t->mutable_tensor() = tensor_to_proto(vars.logical_value(graph, name));
  }
  for (const auto& name : logical_variable_names(graph, tg.slot_variables)) {
    auto* t = ckpt.add_slots();
    t->set_name(name);
    *t->mutable_tensor() = tensor_to_proto(vars.logical_value(graph, name));
  }
  ckpt.set_step(step);
  ckpt.set_epoch(epoch);
  ckpt.set_batch_in_epoch(batch_in_epoch);
  ckpt.set_seed(*config.seed);
  ckpt.set_batch_size(*config.batch_size);
  *ckpt.mutable_schedule() = schedule.state();
  return ckpt;
}

}  // namespace

StopSignals::StopSignals() {
  g_interrupted = false;
  for (int sig : kStopSignals) previous_.push_back(std::signal(sig, on_stop_signal));
}

void StopSignals::restore() {
  for (size_t k = 0; k < previous_.size(); ++k) std::signal(kStopSignals[k], previous_[k]);
  previous_.clear();
}

bool StopSignals::requested() { return g_interrupted; }

MetricsLog::MetricsLog(const std::string& path) {
  if (path.empty()) return;
  out_.open(path, std::ios::app);
  if (!out_) fail("cannot write metrics file '{}'", path);
}

void MetricsLog::write(const nlohmann::ordered_json& line) {
  if (out_.is_open()) out_ << line.dump() << "\n" << std::flush;
}

void TrainingRun::run_epochs() {
  run_start_ = Clock::now();
  periodic_.emplace(config_.checkpoint_every_steps, config_.checkpoint_every_seconds, config_.keep_checkpoints);
  for (; epoch_ < *config_.epochs && step_ < total_steps_ && !stopping_; ++epoch_, batch_in_epoch_ = 0) {
    EpochTally tally{.lr = schedule_->lr(epoch_)};
    tally.start = Clock::now();
    // Of every global batch this rank reads its slice (all of it with one rank).
    source_->start_epoch(rank_share_of_order(epoch_order(data_.train->size(), *config_.seed, epoch_), *config_.batch_size,
                                             steps_per_epoch_, ranks_),
                         epoch_, batch_in_epoch_ * rank_batch_size_, steps_per_epoch_ - batch_in_epoch_);
    for (; batch_in_epoch_ < steps_per_epoch_ && step_ < total_steps_ && !stopping_; ++batch_in_epoch_) run_step(tally);
    if (live_) fmt::print(stderr, "\n");
    if (batch_in_epoch_ < steps_per_epoch_) break;  // stopped mid-epoch: --steps or Ctrl-C
    end_epoch(tally);
  }
}

void TrainingRun::run_step(EpochTally& epoch) {
  epoch.lr = schedule_->lr_at_step(epoch_, step_, steps_per_epoch_);
  lr_tensor_.data<float>()[0] = static_cast<float>(epoch.lr);
  auto step_start = Clock::now();
  double waited = source_->stats().wait_seconds;
  Batch* batch = source_->next();
  waited = source_->stats().wait_seconds - waited;
  GR_CHECK(batch != nullptr, "the data ran out at batch {} of {}", batch_in_epoch_, steps_per_epoch_);
  std::vector<Tensor> out = run_executor(*batch);
  source_->release(batch);
  double loss = out[0].value_as_double(0);
  agree_on_loss_and_stopping(loss);
  if (!std::isfinite(loss))
    fail("the loss is {} at step {}; the last good checkpoint is kept (run with --check-numerics gradients or nodes "
         "to find the first node that produced it)",
         loss, step_ + 1);
  ++step_, ++steps_this_run_, ++epoch.steps;
  epoch.loss += loss;
  smoothed_loss_ = std::isnan(smoothed_loss_) ? loss : 0.9 * smoothed_loss_ + 0.1 * loss;
  report_step(loss, epoch.lr, step_start, waited);
}

// The step's loss (of this rank's share of the batch); a failed step stops training, saying what was kept.
std::vector<Tensor> TrainingRun::run_executor(const Batch& batch) {
  const std::map<std::string, Tensor> feeds{
      {tg_.data, batch.images}, {tg_.labels, batch.labels}, {tg_.learning_rate, lr_tensor_}};
  try {
    return executor_->run(feeds, {tg_.loss}, /*training=*/true, step_, tg_.updates);
  } catch (const Error& e) {
    const std::string kept = what_was_kept();
    const std::string what = rerun_to_name_ && executor_->last_run_non_finite()
                                 ? name_first_non_finite(*executor_, feeds, step_, scanned_, e.what())
                                 : std::string(e.what());
    // Steps are counted from 1 where a user reads them (progress, metrics, this message);
    // a kernel's step() is the 0-based index, one less.
    fail("step {} failed (a kernel's step() is {}): {}{}", step_ + 1, step_, what, kept);
  }
}

// After each step the ranks agree on the loss (the mean of their shares': the global batch's)
// and on stopping: Ctrl-C reaches every rank, each at its own point of a step, and they stop
// together at the first step boundary where any of them has seen it.
void TrainingRun::agree_on_loss_and_stopping(double& loss) {
  if (!ranks_.many()) {
    stopping_ = StopSignals::requested();
    return;
  }
  double sums[2] = {loss, StopSignals::requested() ? 1.0 : 0.0};
  ranks_.comm->all_reduce_sum(sums, 2, DType::kFloat64, "the ranks' loss and agreement to go on");
  loss = sums[0] / ranks_.size;
  stopping_ = sums[1] > 0;
}

// Metrics, the replica check, a periodic checkpoint and the progress line of the step just done.
void TrainingRun::report_step(double loss, double lr, Clock::time_point step_start, double waited) {
  double step_s = seconds_since(step_start);
  double elapsed = seconds_since(run_start_);
  double img_s = static_cast<double>(steps_this_run_ * *config_.batch_size) / elapsed;
  double eta = elapsed / steps_this_run_ * static_cast<double>(total_steps_ - step_);
  metrics_->write({{"type", "step"}, {"epoch", epoch_ + 1}, {"step", step_}, {"loss", loss}, {"lr", lr},
                   {"img_s", std::round(img_s * 10) / 10}, {"step_ms", std::round(step_s * 1e4) / 10},
                   {"data_wait_ms", std::round(waited * 1e4) / 10}});
  if (config_.verify_replicas) check_replicas_identical(ranks_, variables_digest(vars_, all_variables_), step_);
  if (!checkpoint_path_.empty() && periodic_->due(step_)) {
    save(epoch_, batch_in_epoch_ + 1);
    periodic_->keep(checkpoint_path_, step_);
  }
  if (speak_ && (live_ || step_ % 50 == 0 || step_ == total_steps_)) {
    fmt::print(stderr, "{}epoch {}/{}  step {}/{}  loss {:.4f}  {:.1f} img/s  data wait {:.0f}%  lr {:g}  ETA {}{}",
               live_ ? "\r\033[K" : "", epoch_ + 1, *config_.epochs, batch_in_epoch_ + 1, steps_per_epoch_,
               smoothed_loss_, img_s, 100 * source_->stats().wait_seconds / elapsed, lr, duration_str(eta),
               live_ ? "" : "\n");
  }
}

// Validation, the schedule's reaction to it, the epoch's line and metrics, and its checkpoint.
void TrainingRun::end_epoch(const EpochTally& epoch) {
  EvalResult val =
      sum_over_ranks(ranks_, evaluate(*executor_, tg_.data, tg_.logits, *data_.validation, {ranks_.rank, ranks_.size}));
  schedule_->on_epoch_end(1.0 - val.top1);
  summary_.val_top1 = val.top1, summary_.val_top5 = val.top5;
  bool top5 = data_.validation->num_classes() >= 5;
  double seconds = seconds_since(epoch.start);
  double train_loss = epoch.loss / std::max<int64_t>(epoch.steps, 1);
  if (speak_)
    fmt::print(stderr, "epoch {}/{}: train loss {:.4f}  val loss {:.4f}  val top-1 {:.4f}{}  ({})\n", epoch_ + 1,
               *config_.epochs, train_loss, val.loss, val.top1, top5 ? fmt::format("  top-5 {:.4f}", val.top5) : "",
               duration_str(seconds));
  nlohmann::ordered_json line = {{"type", "epoch"},   {"epoch", epoch_ + 1},   {"step", step_},
                                 {"train_loss", train_loss}, {"val_loss", val.loss}, {"val_top1", val.top1},
                                 {"lr", epoch.lr},     {"seconds", seconds}};
  if (top5) line["val_top5"] = val.top5;
  metrics_->write(line);
  summary_.epochs_done = epoch_ + 1;
  save(epoch_ + 1, 0);
}

// A checkpoint records where training resumes: (next_epoch, next_batch).
void TrainingRun::save(int64_t next_epoch, int64_t next_batch) {
  if (checkpoint_path_.empty()) return;
  write_checkpoint(checkpoint_path_, make_checkpoint(executor_->graph(), tg_, vars_, config_, *schedule_, step_,
                                                     next_epoch, next_batch));
  summary_.checkpoint = checkpoint_path_;
}

// What is kept when a step fails. Training stops, but the finished steps are not lost: when
// no optimizer update of the failed step ran, the variables are still those after the last
// good step, and they are saved as on Ctrl-C (resuming retries the failed step). Not after a
// NaN or Inf (check-numerics): the model is diverging, and the last checkpoint, written while
// it was not, is the one to go back to.
std::string TrainingRun::what_was_kept() {
  std::string kept = summary_.checkpoint.empty() ? config_.resume : summary_.checkpoint;
  bool diverged = executor_->last_run_non_finite();
  if (!diverged && executor_->last_run_targets_done() == 0 && !checkpoint_path_.empty()) {
    try {
      save(epoch_, batch_in_epoch_);
      return fmt::format("; the state after step {} is saved in {} (resume with --resume {})", step_, checkpoint_path_,
                         checkpoint_path_);
    } catch (const Error& e) {
      return fmt::format("; saving the state after step {} failed too: {}", step_, e.what());
    }
  }
  std::string why =
      diverged                 ? std::string("a node produced NaN or Inf: the model is diverging")
      : checkpoint_path_.empty() ? std::string(config_.checkpoint_dir.empty() ? "no --checkpoint-dir was given"
                                                                              : "rank 0 writes the checkpoints")
                                 : fmt::format("{} optimizer updates of the failed step had already run",
                                               executor_->last_run_targets_done());
  return kept.empty() ? fmt::format("; nothing was saved ({})", why)
                      : fmt::format("; the last good checkpoint, {}, is kept ({})", kept, why);
}

// After the epochs (or a stop): the summary, a checkpoint of the exact position when stopped
// mid-epoch, and the weights of the finished run for `graphrun run/eval --weights`.
TrainSummary TrainingRun::finish() {
  summary_.steps = step_;
  summary_.interrupted = stopping_;
  summary_.leader = ranks_.leader();
  summary_.last_loss = smoothed_loss_;
  if (batch_in_epoch_ != 0 || summary_.interrupted) save(epoch_, batch_in_epoch_);
  if (!checkpoint_path_.empty()) {
    const Graph& graph = executor_->graph();
    std::map<std::string, Tensor> weights;
    for (const auto& name : logical_variable_names(graph, tg_.model_variables))
      weights[name] = vars_.logical_value(graph, name);
    write_npz((std::filesystem::path(config_.checkpoint_dir) / "weights.npz").string(), weights);
  }
  return summary_;
}

}  // namespace graphrun
