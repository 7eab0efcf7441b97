// train(): a run's steps in order (runtime/train/training_run.h), and the defaults a graph
// file's training section gives the command line.
#include "runtime/train/trainer.h"

#include <string>

#include "core/error.h"
#include "runtime/train/training_run.h"

namespace graphrun {

namespace {

double option_double(const proto::Training& t, const std::string& key, double fallback) {
  auto it = t.options().find(key);
  if (it == t.options().end()) return fallback;
  try {
    return std::stod(it->second);
  } catch (const std::exception&) {
    fail("training option '{}' = '{}' is not a number", key, it->second);
  }
}

}  // namespace

void apply_graph_defaults(const proto::Training& t, TrainConfig& c, bool lr_given) {
  if (c.batch_size == 0) c.batch_size = t.batch_size() > 0 ? t.batch_size() : 128;
  if (c.epochs == 0) c.epochs = t.epochs() > 0 ? t.epochs() : 1;
  if (c.seed == 0) c.seed = t.seed();
  if (c.data.empty()) c.data = t.data().empty() ? "synthetic" : t.data();
  if (!lr_given) c.schedule.lr = option_double(t, "lr", c.schedule.lr);
  auto it = t.options().find("schedule");
  if (it != t.options().end() && c.schedule.kind == "fixed") c.schedule.kind = it->second;
  c.schedule.gamma = option_double(t, "gamma", c.schedule.gamma);
  c.schedule.step_size = static_cast<int64_t>(option_double(t, "step_size", static_cast<double>(c.schedule.step_size)));
  c.schedule.patience = static_cast<int64_t>(option_double(t, "patience", static_cast<double>(c.schedule.patience)));
  c.schedule.max_decays = static_cast<int64_t>(option_double(t, "max_decays", static_cast<double>(c.schedule.max_decays)));
  if (c.shift == 0) c.shift = static_cast<int64_t>(option_double(t, "shift", 0));
  if (!c.flip) c.flip = option_double(t, "flip", 0) != 0;
  c.optimizer.momentum = option_double(t, "momentum", c.optimizer.momentum);
  c.optimizer.weight_decay = option_double(t, "weight_decay", c.optimizer.weight_decay);
  if (c.parallel.empty()) {
    auto parallel = t.options().find("parallel");
    c.parallel = parallel != t.options().end() ? parallel->second : "model";
  }
}

namespace {

void check_options(const TrainConfig& config) {
  if (config.batch_size < 1) fail("--batch-size must be at least 1");
  if (!config.init_map.empty() && config.init_from.empty()) fail("--init-map needs --init-from");
  if (!config.init_from.empty() && (!config.resume.empty() || !config.weights.empty()))
    fail("--init-from cannot be combined with {}", config.resume.empty() ? "--weights" : "--resume");
}

}  // namespace

// The route of a run; each step is a TrainingRun method (training_run.h).
TrainSummary train(const TrainConfig& config) {
  check_options(config);
  TrainingRun run(config);
  run.join_ranks();
  run.build_graph();
  run.compile();
  run.open_data();
  run.restore_variables();
  run.start_executor();
  run.agree_with_ranks();
  run.open_outputs();
  StopSignals stop_signals;  // from here Ctrl-C stops at the next step boundary, with a checkpoint
  run.start_input_pipeline();
  run.write_classify_files();
  run.announce();
  run.run_epochs();
  stop_signals.restore();
  return run.finish();
}

}  // namespace graphrun
