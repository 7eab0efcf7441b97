// train(): a run's steps in order (runtime/train/training_run.h), and the defaults a graph
// file's training section gives the command line.
#include "runtime/train/trainer.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"
#include "core/op_registry.h"
#include "runtime/train/training_run.h"

namespace graphrun {

namespace {

// The graph's training options, each checked against its range as it is read.
class TrainingOptions {
 public:
  explicit TrainingOptions(const proto::Training& t) : t_(t) {
    std::vector<std::string> known;
    for (const auto& key : training_option_keys()) known.push_back(key.name);
    for (const auto& [key, value] : t.options()) {
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string hint = closest_name(key, known);
      fail("training option '{}' is not one graphrun knows{}; the options are: {} (docs/graph-format.md)", key,
           hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint), fmt::join(known, ", "));
    }
  }
  bool has(const std::string& key) const { return t_.options().contains(key); }
  const std::string& text(const std::string& key) const { return t_.options().at(key); }
  // The option's number, or `fallback` when the graph does not set it; `range` says the valid values.
  double number(const std::string& key, double fallback, double min, double max, const char* range) const {
    if (!has(key)) return fallback;
    double value;
    try {
      size_t used = 0;
      value = std::stod(text(key), &used);
      if (used != text(key).size()) throw std::invalid_argument(key);
    } catch (const std::exception&) {
      fail("training option '{}' = '{}' is not a number ({})", key, text(key), range);
    }
    if (!(value >= min && value <= max)) fail("training option '{}' = {}: want {}", key, text(key), range);
    return value;
  }
  int64_t count(const std::string& key, int64_t fallback, int64_t min, const char* range) const {
    double value = number(key, static_cast<double>(fallback), static_cast<double>(min), 1e15, range);
    if (value != std::floor(value)) fail("training option '{}' = {}: want {}", key, text(key), range);
    return static_cast<int64_t>(value);
  }
  std::string choice(const std::string& key, const std::string& fallback, const std::vector<std::string>& valid) const {
    if (!has(key)) return fallback;
    if (std::find(valid.begin(), valid.end(), text(key)) == valid.end())
      fail("training option '{}' = '{}': want one of {}", key, text(key), fmt::join(valid, ", "));
    return text(key);
  }

 private:
  const proto::Training& t_;
};

constexpr double kNoLimit = std::numeric_limits<double>::infinity();

// A count the graph file gives (proto3 `optional`: present or not, never 0 for "unset").
int64_t graph_count(bool present, int64_t value, const char* name, int64_t fallback) {
  if (!present) return fallback;
  if (value < 1) fail("training {} {}: want at least 1", name, value);
  return value;
}

}  // namespace

const std::vector<TrainingOptionKey>& training_option_keys() {
  static const std::vector<TrainingOptionKey> keys = {
      {"lr", "initial learning rate, > 0 (default 0.01; --lr)"},
      {"schedule", "fixed, step, multistep or plateau (default fixed; --schedule)"},
      {"gamma", "decay factor of the schedule, in (0, 1] (default 0.1; --gamma)"},
      {"step_size", "step: epochs between decays, at least 1 (default 30; --step-size)"},
      {"patience", "plateau: epochs without improvement before a decay, at least 1 (default 1)"},
      {"max_decays", "plateau: at most this many decays, 0 or more (default 3)"},
      {"momentum", "momentum, in [0, 1) (default 0.9; --momentum)"},
      {"weight_decay", "weight decay, 0 or more (default 0.0005; --weight-decay)"},
      {"shift", "Fashion-MNIST: move training samples by up to N pixels, 0 to 27 (default 0; --shift)"},
      {"flip", "Fashion-MNIST: 1 mirrors training samples with p = 1/2, 0 does not (default 0; --flip)"},
      {"parallel", "with several devices: model, data or hybrid (default model; --parallel)"},
  };
  return keys;
}

void apply_graph_defaults(const proto::Training& t, TrainConfig& c, const std::set<std::string>& given) {
  TrainingOptions options(t);
  if (!c.batch_size) c.batch_size = graph_count(t.has_batch_size(), t.batch_size(), "batch_size", 128);
  if (!c.epochs) c.epochs = graph_count(t.has_epochs(), t.epochs(), "epochs", 1);
  if (!c.seed) c.seed = t.seed();
  if (c.data.empty()) c.data = t.data().empty() ? "synthetic" : t.data();
  auto unless_given = [&](const char* key, auto& field, auto value) {
    if (!given.contains(key)) field = value;
  };
  ScheduleConfig& s = c.schedule;
  unless_given("lr", s.lr, options.number("lr", s.lr, std::nextafter(0.0, 1.0), kNoLimit, "a rate above 0"));
  unless_given("schedule", s.kind, options.choice("schedule", s.kind, {"fixed", "step", "multistep", "plateau"}));
  unless_given("gamma", s.gamma, options.number("gamma", s.gamma, std::nextafter(0.0, 1.0), 1, "a factor in (0, 1]"));
  unless_given("step_size", s.step_size, options.count("step_size", s.step_size, 1, "at least 1 epoch"));
  s.patience = options.count("patience", s.patience, 1, "at least 1 epoch");
  s.max_decays = options.count("max_decays", s.max_decays, 0, "0 or more");
  unless_given("shift", c.shift, options.count("shift", c.shift, 0, "0 to 27 pixels"));
  unless_given("flip", c.flip, options.choice("flip", c.flip ? "1" : "0", {"0", "1"}) == "1");
  OptimizerSettings& o = c.optimizer;
  unless_given("momentum", o.momentum, options.number("momentum", o.momentum, 0, std::nextafter(1.0, 0.0), "[0, 1)"));
  unless_given("weight_decay", o.weight_decay, options.number("weight_decay", o.weight_decay, 0, kNoLimit, "0 or more"));
  if (c.parallel.empty()) c.parallel = options.choice("parallel", "model", {"model", "data", "hybrid"});
}

namespace {

void check_options(const TrainConfig& config) {
  // apply_graph_defaults gave these their values; a set value below 1 never reaches here.
  GR_CHECK(config.batch_size && config.epochs && config.seed, "train() before apply_graph_defaults");
  if (*config.batch_size < 1) fail("--batch-size {}: want at least 1", *config.batch_size);
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
