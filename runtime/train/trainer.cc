#include "runtime/train/trainer.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/graph_io.h"
#include "core/npz.h"
#include "core/precision.h"
#include "runtime/data/batch_source.h"
#include "runtime/data/device_batch_source.h"
#include "runtime/data/dataset.h"
#include "core/variable_parts.h"
#include "runtime/exec/executor.h"
#include "runtime/train/compile_training.h"
#include "runtime/passes/float64.h"
#include "runtime/passes/memory_plan.h"
#include "runtime/passes/placement.h"
#include "runtime/train/checkpoint.h"
#include "runtime/train/evaluate.h"
#include "runtime/train/warm_start.h"
#include "runtime/distributed/rank_training.h"

namespace graphrun {

namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) { g_interrupted = true; }

using Clock = std::chrono::steady_clock;

std::string duration_str(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, s / 60 % 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

double option_double(const proto::Training& t, const std::string& key, double fallback) {
  auto it = t.options().find(key);
  if (it == t.options().end()) return fallback;
  try {
    return std::stod(it->second);
  } catch (const std::exception&) {
    fail("training option '{}' = '{}' is not a number", key, it->second);
  }
}

// `graph` is the executor's (tg.graph has moved into it).
proto::Checkpoint make_checkpoint(const Graph& graph, const TrainingGraph& tg, VariableStore& vars, const TrainConfig& config,
                                  const Schedule& schedule, int64_t step, int64_t epoch, int64_t batch_in_epoch,
                                  int64_t batch_size) {
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
  ckpt.set_seed(config.seed);
  ckpt.set_batch_size(batch_size);
  *ckpt.mutable_schedule() = schedule.state();
  return ckpt;
}

void restore_variables(const proto::Checkpoint& ckpt, const TrainingGraph& tg, VariableStore& vars,
                       const std::string& path) {
  auto load = [&](const proto::NamedTensor& nt) {
    Tensor t = tensor_from_proto(nt.tensor(), path + "[" + nt.name() + "]");
    vars.assign_logical(tg.graph, nt.name(), t, fmt::format("checkpoint '{}'", path));
  };
  for (const auto& nt : ckpt.weights()) load(nt);
  for (const auto& nt : ckpt.slots()) load(nt);
}

class MetricsLog {
 public:
  explicit MetricsLog(const std::string& path) {
    if (path.empty()) return;
    out_.open(path, std::ios::app);
    if (!out_) fail("cannot write metrics file '{}'", path);
  }
  void write(const nlohmann::ordered_json& line) {
    if (out_.is_open()) out_ << line.dump() << "\n" << std::flush;
  }

 private:
  std::ofstream out_;
};

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

TrainSummary train(const TrainConfig& config) {
  if (config.batch_size < 1) fail("--batch-size must be at least 1");
  if (!config.init_map.empty() && config.init_from.empty()) fail("--init-map needs --init-from");
  if (!config.init_from.empty() && (!config.resume.empty() || !config.weights.empty()))
    fail("--init-from cannot be combined with {}", config.resume.empty() ? "--weights" : "--resume");
  // With several ranks every one builds the graph at its share of the global batch.
  Ranks ranks = join_ranks(config.comm_timeout, config.devices);
  const int64_t rank_batch_size = rank_batch(ranks, config.batch_size);
  BuildOptions build;
  build.batch_size = rank_batch_size;
  Graph model = load_graph(config.graph, build);
  if (config.float64 && math_precision() != MathPrecision::kFloat32)
    fail("--dtype float64 computes in double precision: it takes --precision fp32, not {}", to_string(math_precision()));
  if (config.float64) model = to_float64(model);
  offset_dropout_masks(model, ranks);
  CompileOptions compile = compile_options_for(config.devices, config.parallel);
  compile.ranks = {ranks.size, config.bucket_bytes};
  TrainingGraph tg = compile_training(model, config.optimizer, compile).training;
  const Shape& input = tg.graph.node(tg.data).outputs[0].shape;
  if (tg.graph.node(tg.data).outputs[0].dtype != DType::kFloat32)
    fail("Placeholder '{}' must be float32 to take images", tg.data);
  Shape image(std::vector<int64_t>(input.dims().begin() + 1, input.dims().end()));
  int64_t classes = tg.graph.info(tg.graph.resolve(tg.logits)).shape[1];
  DataSplits data = open_dataset(config.data, image, classes, config.seed,
                                 {.scale_min = config.scale_min, .scale_max = config.scale_max, .shift = config.shift, .flip = config.flip});
  int64_t steps_per_epoch = data.train->size() / config.batch_size;
  if (steps_per_epoch < 1) fail("--batch-size {} is larger than the {} training samples", config.batch_size, data.train->size());

  Schedule schedule(config.schedule);
  VariableStore vars;
  int64_t step = 0, epoch = 0, batch_in_epoch = 0;
  if (!config.resume.empty()) {
    proto::Checkpoint ckpt = read_checkpoint(config.resume);
    if (ckpt.graph() != tg.graph.name)
      fail("checkpoint '{}' is of graph '{}', not '{}'", config.resume, ckpt.graph(), tg.graph.name);
    if (ckpt.batch_size() != config.batch_size)
      fail("checkpoint '{}' was trained with batch size {}; resume with --batch-size {}", config.resume,
           ckpt.batch_size(), ckpt.batch_size());
    restore_variables(ckpt, tg, vars, config.resume);
    step = ckpt.step(), epoch = ckpt.epoch(), batch_in_epoch = ckpt.batch_in_epoch();
    schedule.restore(ckpt.schedule());
  }
  if (!config.weights.empty() && config.resume.empty()) {
    if (is_checkpoint_file(config.weights)) {
      proto::Checkpoint ckpt = read_checkpoint(config.weights);
      ckpt.clear_slots();
      restore_variables(ckpt, tg, vars, config.weights);
    } else {
      vars.load_npz(tg.graph, config.weights, /*strict=*/true, logical_variable_names(tg.graph, tg.slot_variables));
    }
  }
  if (!config.init_from.empty()) {
    WarmStartReport report = warm_start(vars, tg.graph, logical_variable_names(tg.graph, tg.model_variables),
                                        config.init_from, parse_init_map(config.init_map));
    std::vector<std::string> loaded;
    for (const auto& [to, from] : report.loaded) loaded.push_back(to == from ? to : fmt::format("{} <- {}", to, from));
    fmt::print("init-from {}: {} variables loaded: {}\n", config.init_from, loaded.size(),
               loaded.empty() ? "none" : fmt::format("{}", fmt::join(loaded, ", ")));
    fmt::print("init-from {}: {} variables initialised from the graph: {}\n", config.init_from,
               report.initialised.size(),
               report.initialised.empty() ? "none" : fmt::format("{}", fmt::join(report.initialised, ", ")));
  }
  check_memory_fits(plan_step_memory(tg.graph, {tg.loss}, tg.updates, compile.devices[0].str()),
                    fmt::format("a training step of '{}' at batch {}", tg.graph.name, config.batch_size));
  std::vector<std::string> all_variables = tg.model_variables;
  all_variables.insert(all_variables.end(), tg.slot_variables.begin(), tg.slot_variables.end());
  std::vector<std::pair<std::string, std::string>> job = graph_fingerprint(tg.graph);
  ExecutorOptions options;
  options.device = compile.devices[0].str();
  options.seed = config.seed;
  options.check_numerics = config.check_numerics == CheckNumerics::kEveryNode;
  // With ranks a re-run of one rank's failing step would wait for the others in its collectives.
  const bool rerun_to_name = config.check_numerics == CheckNumerics::kGradients && !ranks.many();
  const std::vector<std::string> scanned = config.check_numerics == CheckNumerics::kGradients
                                               ? gradient_scan_nodes(tg.graph, tg.loss, tg.updates)
                                               : std::vector<std::string>{};
  options.check_numerics_nodes = scanned;
  Executor executor(std::move(tg.graph), vars, options);
  const Graph& graph = executor.graph();
  // Before the first step: the ranks run the same job, from rank 0's weights.
  int64_t total_steps = config.epochs * steps_per_epoch;
  if (config.max_steps > 0) total_steps = std::min(total_steps, config.max_steps);
  job.insert(job.end(), {{"the global batch", std::to_string(config.batch_size)},
                         {"the seed", std::to_string(config.seed)},
                         {"the data set", fmt::format("{} ({} samples)", data.train->name(), data.train->size())},
                         {"the starting step", std::to_string(step)},
                         {"the steps to run", std::to_string(total_steps)},
                         {"the learning rate", fmt::format("{} {:g}", config.schedule.kind, config.schedule.lr)}});
  check_ranks_agree(ranks, job);
  broadcast_variables(ranks, vars, all_variables);

  std::string checkpoint_path;
  if (!config.checkpoint_dir.empty() && ranks.leader()) {
    std::filesystem::create_directories(config.checkpoint_dir);
    checkpoint_path = (std::filesystem::path(config.checkpoint_dir) / "latest.ckpt").string();
  }
  MetricsLog metrics(ranks.leader() ? config.metrics : "");
  TrainSummary summary;
  // A checkpoint records where training resumes: (next_epoch, next_batch).
  auto save = [&](int64_t next_epoch, int64_t next_batch) {
    if (checkpoint_path.empty()) return;
    write_checkpoint(checkpoint_path, make_checkpoint(graph, tg, vars, config, schedule, step, next_epoch, next_batch,
                                                      config.batch_size));
    summary.checkpoint = checkpoint_path;
  };

  // What is kept when a step fails. Training stops, but the finished steps are not lost: when
  // no optimizer update of the failed step ran, the variables are still those after the last
  // good step, and they are saved as on Ctrl-C (resuming retries the failed step). Not after a
  // NaN or Inf (check-numerics): the model is diverging, and the last checkpoint, written while
  // it was not, is the one to go back to.
  auto after_failed_step = [&]() -> std::string {
    std::string kept = summary.checkpoint.empty() ? config.resume : summary.checkpoint;
    bool diverged = executor.last_run_non_finite();
    if (!diverged && executor.last_run_targets_done() == 0 && !checkpoint_path.empty()) {
      try {
        save(epoch, batch_in_epoch);
        return fmt::format("; the state after step {} is saved in {} (resume with --resume {})", step, checkpoint_path,
                           checkpoint_path);
      } catch (const Error& e) {
        return fmt::format("; saving the state after step {} failed too: {}", step, e.what());
      }
    }
    std::string why =
        diverged                ? std::string("a node produced NaN or Inf: the model is diverging")
        : checkpoint_path.empty() ? std::string(config.checkpoint_dir.empty() ? "no --checkpoint-dir was given"
                                                                              : "rank 0 writes the checkpoints")
                                  : fmt::format("{} optimizer updates of the failed step had already run",
                                                executor.last_run_targets_done());
    return kept.empty() ? fmt::format("; nothing was saved ({})", why)
                        : fmt::format("; the last good checkpoint, {}, is kept ({})", kept, why);
  };

  g_interrupted = false;
  // Ctrl-C, SIGTERM (a batch system's preemption) and SIGUSR1 (which mpirun forwards to every
  // rank: `kill -USR1 <mpirun's pid>`) stop training at the next step boundary with a checkpoint.
  const int stop_signals[] = {SIGINT, SIGTERM, SIGUSR1};
  std::vector<void (*)(int)> previous_handlers;
  for (int sig : stop_signals) previous_handlers.push_back(std::signal(sig, on_sigint));
  auto restore_handlers = [&] {
    for (size_t k = 0; k < previous_handlers.size(); ++k) std::signal(stop_signals[k], previous_handlers[k]);
  };
  bool live = !config.quiet && isatty(STDERR_FILENO) && ranks.leader();
  const bool speak = ranks.leader();  // only rank 0 prints progress
  // Batches come from the input pipeline (image data) or are filled synchronously, into staging
  // memory of the input's device; for a GPU the upload stage copies them there ahead of the step.
  Device& input_device = get_device(executor.device_of(tg.data));
  BatchSourceOptions source_options{.batch_size = rank_batch_size,
                                    .image = image,
                                    .train = true,
                                    .threads = config.data_threads,
                                    .allocator = &input_device.staging_allocator()};
  std::unique_ptr<BatchSource> source =
      make_device_batch_source(make_batch_source(*data.train, source_options), input_device, source_options);
  // What `graphrun classify` needs beside the weights: the class names and the mean image. A
  // data set without them removes those of an earlier run into the same folder.
  if (!checkpoint_path.empty()) {
    const std::filesystem::path dir(config.checkpoint_dir);
    std::filesystem::remove(dir / "labels.txt");
    std::filesystem::remove(dir / "mean.npz");
    if (!data.train->class_names().empty()) {
      std::string labels;
      for (const auto& name : data.train->class_names()) labels += name + "\n";
      write_file_atomically((dir / "labels.txt").string(), labels);
    }
    if (Tensor mean = data.train->mean_image(); mean.valid()) write_npz((dir / "mean.npz").string(), {{"mean", mean}});
  }
  // In staging memory: its upload each step is then an asynchronous DMA, not a staged copy.
  Tensor lr_tensor(DType::kFloat32, Shape{}, input_device.staging_allocator());
  if (speak)
  fmt::print(stderr,
             "training '{}' on {}{}{} with {} ({} samples, {} classes): {} epochs x {} steps of {}, {} schedule, lr {:g}\n",
             graph.name, ranks.many() ? fmt::format("{} ranks x ", ranks.size) : "", device_list_str(compile.devices),
             compile.devices.size() > 1 ? " (" + to_string(compile.parallel) + " parallel)" : "", data.train->name(), data.train->size(), data.train->num_classes(), config.epochs,
             steps_per_epoch, config.batch_size, config.schedule.kind, schedule.lr(epoch));
  auto run_start = Clock::now();
  int64_t steps_this_run = 0;
  double smoothed_loss = NAN;

  // After each step the ranks agree on the loss (the mean of their shares': the global batch's)
  // and on stopping: Ctrl-C reaches every rank, each at its own point of a step, and they stop
  // together at the first step boundary where any of them has seen it.
  bool stopping = false;
  auto after_step = [&](double& loss) {
    if (!ranks.many()) {
      stopping = g_interrupted;
      return;
    }
    double sums[2] = {loss, g_interrupted ? 1.0 : 0.0};
    ranks.comm->all_reduce_sum(sums, 2, DType::kFloat64, "the ranks' loss and agreement to go on");
    loss = sums[0] / ranks.size;
    stopping = sums[1] > 0;
  };
  PeriodicCheckpoints periodic(config.checkpoint_every_steps, config.checkpoint_every_seconds, config.keep_checkpoints);
  try {
    for (; epoch < config.epochs && step < total_steps && !stopping; ++epoch, batch_in_epoch = 0) {
      double lr = schedule.lr(epoch);
      double epoch_loss = 0;
      int64_t epoch_steps = 0;
      auto epoch_start = Clock::now();
      // Of every global batch this rank reads its slice (all of it with one rank).
      source->start_epoch(rank_share_of_order(epoch_order(data.train->size(), config.seed, epoch), config.batch_size,
                                              steps_per_epoch, ranks),
                          epoch, batch_in_epoch * rank_batch_size, steps_per_epoch - batch_in_epoch);
      for (; batch_in_epoch < steps_per_epoch && step < total_steps && !stopping; ++batch_in_epoch) {
        lr = schedule.lr_at_step(epoch, step, steps_per_epoch);
        lr_tensor.data<float>()[0] = static_cast<float>(lr);
        auto step_start = Clock::now();
        double waited = source->stats().wait_seconds;
        Batch* batch = source->next();
        waited = source->stats().wait_seconds - waited;
        GR_CHECK(batch != nullptr, "the data ran out at batch {} of {}", batch_in_epoch, steps_per_epoch);
        std::vector<Tensor> out;
        const std::map<std::string, Tensor> feeds{
            {tg.data, batch->images}, {tg.labels, batch->labels}, {tg.learning_rate, lr_tensor}};
        try {
          out = executor.run(feeds, {tg.loss}, /*training=*/true, step, tg.updates);
        } catch (const Error& e) {
          const std::string kept = after_failed_step();
          const std::string what = rerun_to_name && executor.last_run_non_finite()
                                       ? name_first_non_finite(executor, feeds, step, scanned, e.what())
                                       : std::string(e.what());
          // Steps are counted from 1 where a user reads them (progress, metrics, this message);
          // a kernel's step() is the 0-based index, one less.
          fail("step {} failed (a kernel's step() is {}): {}{}", step + 1, step, what, kept);
        }
        source->release(batch);
        double loss = out[0].value_as_double(0);
        after_step(loss);
        if (!std::isfinite(loss))
          fail("the loss is {} at step {}; the last good checkpoint is kept (run with --check-numerics gradients or nodes "
               "to find the first node that produced it)",
               loss, step + 1);
        ++step, ++steps_this_run, ++epoch_steps;
        epoch_loss += loss;
        smoothed_loss = std::isnan(smoothed_loss) ? loss : 0.9 * smoothed_loss + 0.1 * loss;
        double step_s = std::chrono::duration<double>(Clock::now() - step_start).count();
        double elapsed = std::chrono::duration<double>(Clock::now() - run_start).count();
        double img_s = static_cast<double>(steps_this_run * config.batch_size) / elapsed;
        double eta = elapsed / steps_this_run * static_cast<double>(total_steps - step);
        metrics.write({{"type", "step"}, {"epoch", epoch + 1}, {"step", step}, {"loss", loss}, {"lr", lr},
                       {"img_s", std::round(img_s * 10) / 10}, {"step_ms", std::round(step_s * 1e4) / 10},
                       {"data_wait_ms", std::round(waited * 1e4) / 10}});
        if (config.verify_replicas) check_replicas_identical(ranks, variables_digest(vars, all_variables), step);
        if (!checkpoint_path.empty() && periodic.due(step)) {
          save(epoch, batch_in_epoch + 1);
          periodic.keep(checkpoint_path, step);
        }
        if (speak && (live || step % 50 == 0 || step == total_steps)) {
          fmt::print(stderr, "{}epoch {}/{}  step {}/{}  loss {:.4f}  {:.1f} img/s  data wait {:.0f}%  lr {:g}  ETA {}{}",
                     live ? "\r\033[K" : "", epoch + 1, config.epochs, batch_in_epoch + 1, steps_per_epoch,
                     smoothed_loss, img_s, 100 * source->stats().wait_seconds / elapsed, lr, duration_str(eta),
                     live ? "" : "\n");
        }
      }
      if (live) fmt::print(stderr, "\n");
      if (batch_in_epoch < steps_per_epoch) break;  // stopped mid-epoch: --steps or Ctrl-C
      EvalResult val = sum_over_ranks(ranks, evaluate(executor, tg.data, tg.logits, *data.validation, {ranks.rank, ranks.size}));
      schedule.on_epoch_end(1.0 - val.top1);
      summary.val_top1 = val.top1, summary.val_top5 = val.top5;
      bool top5 = data.validation->num_classes() >= 5;
      double seconds = std::chrono::duration<double>(Clock::now() - epoch_start).count();
      if (speak)
      fmt::print(stderr, "epoch {}/{}: train loss {:.4f}  val loss {:.4f}  val top-1 {:.4f}{}  ({})\n", epoch + 1,
                 config.epochs, epoch_loss / std::max<int64_t>(epoch_steps, 1), val.loss, val.top1,
                 top5 ? fmt::format("  top-5 {:.4f}", val.top5) : "", duration_str(seconds));
      nlohmann::ordered_json line = {{"type", "epoch"}, {"epoch", epoch + 1}, {"step", step},
                                     {"train_loss", epoch_loss / std::max<int64_t>(epoch_steps, 1)},
                                     {"val_loss", val.loss}, {"val_top1", val.top1}, {"lr", lr},
                                     {"seconds", seconds}};
      if (top5) line["val_top5"] = val.top5;
      metrics.write(line);
      summary.epochs_done = epoch + 1;
      save(epoch + 1, 0);
    }
  } catch (...) {
    restore_handlers();
    throw;
  }
  restore_handlers();
  summary.steps = step;
  summary.interrupted = stopping;
  summary.leader = ranks.leader();
  summary.last_loss = smoothed_loss;
  if (batch_in_epoch != 0 || summary.interrupted) save(epoch, batch_in_epoch);  // stopped mid-epoch: keep the exact position
  // Weights of the finished run for `graphrun run/eval --weights`.
  if (!checkpoint_path.empty()) {
    std::map<std::string, Tensor> weights;
    for (const auto& name : logical_variable_names(graph, tg.model_variables))
      weights[name] = vars.logical_value(graph, name);
    write_npz((std::filesystem::path(config.checkpoint_dir) / "weights.npz").string(), weights);
  }
  return summary;
}

}  // namespace graphrun
