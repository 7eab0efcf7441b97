// The setup steps of a training run, in the order train() takes them (training_run.h).
#include "runtime/train/training_run.h"

#include <unistd.h>

#include <filesystem>
#include <fmt/ranges.h>

#include "core/error.h"
#include "core/graph_io.h"
#include "core/npz.h"
#include "core/precision.h"
#include "core/variable_parts.h"
#include "runtime/data/device_batch_source.h"
#include "runtime/passes/float64.h"
#include "runtime/passes/memory_plan.h"
#include "runtime/passes/placement.h"
#include "runtime/train/compile_training.h"
#include "runtime/train/warm_start.h"

namespace graphrun {

namespace {

void restore_from_checkpoint(const proto::Checkpoint& ckpt, const TrainingGraph& tg, VariableStore& vars,
                             const std::string& path) {
  auto load = [&](const proto::NamedTensor& nt) {
    Tensor t = tensor_from_proto(nt.tensor(), path + "[" + nt.name() + "]");
    vars.assign_logical(tg.graph, nt.name(), t, fmt::format("checkpoint '{}'", path));
  };
  for (const auto& nt : ckpt.weights()) load(nt);
  for (const auto& nt : ckpt.slots()) load(nt);
}

void print_warm_start(const std::string& init_from, const WarmStartReport& report) {
  std::vector<std::string> loaded;
  for (const auto& [to, from] : report.loaded) loaded.push_back(to == from ? to : fmt::format("{} <- {}", to, from));
  fmt::print("init-from {}: {} variables loaded: {}\n", init_from, loaded.size(),
             loaded.empty() ? "none" : fmt::format("{}", fmt::join(loaded, ", ")));
  fmt::print("init-from {}: {} variables initialised from the graph: {}\n", init_from, report.initialised.size(),
             report.initialised.empty() ? "none" : fmt::format("{}", fmt::join(report.initialised, ", ")));
}

}  // namespace

// With several ranks every one builds the graph at its share of the global batch.
void TrainingRun::join_ranks() {
  ranks_ = graphrun::join_ranks(config_.comm_timeout, config_.devices);
  rank_batch_size_ = rank_batch(ranks_, *config_.batch_size);
}

void TrainingRun::build_graph() {
  BuildOptions build;
  build.batch_size = rank_batch_size_;
  model_ = load_graph(config_.graph, build);
  if (config_.float64 && math_precision() != MathPrecision::kFloat32)
    fail("--dtype float64 computes in double precision: it takes --precision fp32, not {}", to_string(math_precision()));
  if (config_.float64) model_ = to_float64(model_);
  offset_dropout_masks(model_, ranks_);
}

void TrainingRun::compile() {
  compile_ = compile_options_for(config_.devices, config_.parallel);
  compile_.ranks = {ranks_.size, config_.bucket_bytes};
  tg_ = compile_training(model_, config_.optimizer, compile_).training;
}

void TrainingRun::open_data() {
  const Shape& input = tg_.graph.node(tg_.data).outputs[0].shape;
  if (tg_.graph.node(tg_.data).outputs[0].dtype != DType::kFloat32)
    fail("Placeholder '{}' must be float32 to take images", tg_.data);
  image_ = Shape(std::vector<int64_t>(input.dims().begin() + 1, input.dims().end()));
  int64_t classes = tg_.graph.info(tg_.graph.resolve(tg_.logits)).shape[1];
  data_ = open_dataset(config_.data, image_, classes, *config_.seed,
                       {.scale_min = config_.scale_min, .scale_max = config_.scale_max, .shift = config_.shift,
                        .flip = config_.flip});
  steps_per_epoch_ = data_.train->size() / *config_.batch_size;
  if (steps_per_epoch_ < 1)
    fail("--batch-size {} is larger than the {} training samples", *config_.batch_size, data_.train->size());
}

void TrainingRun::restore_variables() {
  schedule_.emplace(config_.schedule);
  if (!config_.resume.empty()) {
    proto::Checkpoint ckpt = read_checkpoint(config_.resume);
    if (ckpt.graph() != tg_.graph.name)
      fail("checkpoint '{}' is of graph '{}', not '{}'", config_.resume, ckpt.graph(), tg_.graph.name);
    if (ckpt.batch_size() != *config_.batch_size)
      fail("checkpoint '{}' was trained with batch size {}; resume with --batch-size {}", config_.resume,
           ckpt.batch_size(), ckpt.batch_size());
    restore_from_checkpoint(ckpt, tg_, vars_, config_.resume);
    step_ = ckpt.step(), epoch_ = ckpt.epoch(), batch_in_epoch_ = ckpt.batch_in_epoch();
    schedule_->restore(ckpt.schedule());
  }
  if (!config_.weights.empty() && config_.resume.empty()) {
    if (is_checkpoint_file(config_.weights)) {
      proto::Checkpoint ckpt = read_checkpoint(config_.weights);
      ckpt.clear_slots();
      restore_from_checkpoint(ckpt, tg_, vars_, config_.weights);
    } else {
      vars_.load_npz(tg_.graph, config_.weights, /*strict=*/true, logical_variable_names(tg_.graph, tg_.slot_variables));
    }
  }
  if (!config_.init_from.empty()) {
    print_warm_start(config_.init_from,
                     warm_start(vars_, tg_.graph, logical_variable_names(tg_.graph, tg_.model_variables),
                                config_.init_from, parse_init_map(config_.init_map)));
  }
}

void TrainingRun::start_executor() {
  check_memory_fits(plan_step_memory(tg_.graph, {tg_.loss}, tg_.updates, compile_.devices[0].str()),
                    fmt::format("a training step of '{}' at batch {}", tg_.graph.name, *config_.batch_size));
  all_variables_ = tg_.model_variables;
  all_variables_.insert(all_variables_.end(), tg_.slot_variables.begin(), tg_.slot_variables.end());
  job_ = graph_fingerprint(tg_.graph);
  ExecutorOptions options;
  options.device = compile_.devices[0].str();
  options.seed = *config_.seed;
  options.check_numerics = config_.check_numerics == CheckNumerics::kEveryNode;
  // With ranks a re-run of one rank's failing step would wait for the others in its collectives.
  rerun_to_name_ = config_.check_numerics == CheckNumerics::kGradients && !ranks_.many();
  if (config_.check_numerics == CheckNumerics::kGradients)
    scanned_ = gradient_scan_nodes(tg_.graph, tg_.loss, tg_.updates);
  options.check_numerics_nodes = scanned_;
  executor_.emplace(std::move(tg_.graph), vars_, options);
}

void TrainingRun::agree_with_ranks() {
  total_steps_ = *config_.epochs * steps_per_epoch_;
  if (config_.max_steps) total_steps_ = std::min(total_steps_, *config_.max_steps);
  job_.insert(job_.end(), {{"the global batch", std::to_string(*config_.batch_size)},
                           {"the seed", std::to_string(*config_.seed)},
                           {"the data set", fmt::format("{} ({} samples)", data_.train->name(), data_.train->size())},
                           {"the starting step", std::to_string(step_)},
                           {"the steps to run", std::to_string(total_steps_)},
                           {"the learning rate", fmt::format("{} {:g}", config_.schedule.kind, config_.schedule.lr)}});
  check_ranks_agree(ranks_, job_);
  broadcast_variables(ranks_, vars_, all_variables_);
}

void TrainingRun::open_outputs() {
  if (!config_.checkpoint_dir.empty() && ranks_.leader()) {
    std::filesystem::create_directories(config_.checkpoint_dir);
    checkpoint_path_ = (std::filesystem::path(config_.checkpoint_dir) / "latest.ckpt").string();
  }
  metrics_.emplace(ranks_.leader() ? config_.metrics : "");
}

// Batches come from the input pipeline (image data) or are filled synchronously, into staging
// memory of the input's device; for a GPU the upload stage copies them there ahead of the step.
void TrainingRun::start_input_pipeline() {
  live_ = !config_.quiet && isatty(STDERR_FILENO) && ranks_.leader();
  speak_ = ranks_.leader();
  Device& input_device = get_device(executor_->device_of(tg_.data));
  BatchSourceOptions source_options{.batch_size = rank_batch_size_,
                                    .image = image_,
                                    .train = true,
                                    .threads = config_.data_threads,
                                    .allocator = &input_device.staging_allocator()};
  source_ = make_device_batch_source(make_batch_source(*data_.train, source_options), input_device, source_options);
  // In staging memory: its upload each step is then an asynchronous DMA, not a staged copy.
  lr_tensor_ = Tensor(DType::kFloat32, Shape{}, input_device.staging_allocator());
}

// What `graphrun classify` needs beside the weights: the class names and the mean image. A
// data set without them removes those of an earlier run into the same folder.
void TrainingRun::write_classify_files() {
  if (checkpoint_path_.empty()) return;
  const std::filesystem::path dir(config_.checkpoint_dir);
  std::filesystem::remove(dir / "labels.txt");
  std::filesystem::remove(dir / "mean.npz");
  if (!data_.train->class_names().empty()) {
    std::string labels;
    for (const auto& name : data_.train->class_names()) labels += name + "\n";
    write_file_atomically((dir / "labels.txt").string(), labels);
  }
  if (Tensor mean = data_.train->mean_image(); mean.valid()) write_npz((dir / "mean.npz").string(), {{"mean", mean}});
}

void TrainingRun::announce() const {
  if (!speak_) return;
  fmt::print(stderr,
             "training '{}' on {}{}{} with {} ({} samples, {} classes): {} epochs x {} steps of {}, {} schedule, lr {:g}\n",
             executor_->graph().name, ranks_.many() ? fmt::format("{} ranks x ", ranks_.size) : "",
             device_list_str(compile_.devices),
             compile_.devices.size() > 1 ? " (" + to_string(compile_.parallel) + " parallel)" : "", data_.train->name(),
             data_.train->size(), data_.train->num_classes(), *config_.epochs, steps_per_epoch_, *config_.batch_size,
             config_.schedule.kind, schedule_->lr(epoch_));
}

}  // namespace graphrun
