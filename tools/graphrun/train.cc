// graphrun train GRAPH: trains with the recipe of the graph's training section, every field of
// which the command line can override; graphrun eval and export-weights go with it.
#include <fmt/ranges.h>

#include "core/graph_io.h"
#include "core/npz.h"
#include "core/onnx/onnx_import.h"
#include "runtime/data/image_folder.h"
#include "runtime/train/checkpoint.h"
#include "runtime/train/dense_eval.h"
#include "runtime/train/evaluate.h"
#include "runtime/train/trainer.h"
#include "tools/graphrun/cli_common.h"

namespace graphrun::cli {

namespace {

struct TrainArgs {
  TrainConfig config;
  // The command line's values; an option not given takes the graph's (apply_graph_defaults).
  int64_t batch_size = 0, epochs = 0, steps = 0;
  uint64_t seed = 0;
  double lr = 0;
  std::map<std::string, CLI::Option*> options;  // by long name, to ask which were given
  std::vector<int64_t> milestones;
  std::string check_numerics = "gradients";
  bool no_check_numerics = false;
  int64_t scale = 0;
  std::vector<int64_t> scale_jitter;
  std::string checkpoint_every;
  double bucket_mb = 25;
  std::string dtype = "float32";
};

void add_train_cmd(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  a->config.data.clear();
  CLI::App* sub = app.add_subcommand("train", "Train a graph: SGD with momentum, progress, validation, checkpoints");
  sub->add_option("graph", a->config.graph, "graph file (.pbtxt, .pb or .onnx)")->required();
  sub->add_option("--data", a->config.data, "fashion-mnist, synthetic, npz:FILE.npz (images, labels), a folder of Fashion-MNIST IDX files, an image folder or a prepared folder");
  sub->add_option("--data-threads", a->config.data_threads, "input pipeline threads for image data (0: all cores)");
  sub->add_option("--epochs", a->epochs, "epochs (default: the graph's training section, else 1)");
  sub->add_option("--steps", a->steps, "stop after this many steps in all");
  sub->add_option("--batch-size", a->batch_size, "batch size (default: the graph's, else 128)");
  sub->add_option("--lr", a->lr, "initial learning rate (default: the graph's, else 0.01)");
  sub->add_option("--schedule", a->config.schedule.kind, "fixed, step, multistep or plateau");
  sub->add_option("--gamma", a->config.schedule.gamma, "decay factor of the schedule")->capture_default_str();
  sub->add_option("--step-size", a->config.schedule.step_size, "epochs between decays (step)")->capture_default_str();
  sub->add_option("--milestones", a->milestones, "epochs at which to decay (multistep)");
  sub->add_option("--momentum", a->config.optimizer.momentum, "momentum")->capture_default_str();
  sub->add_option("--weight-decay", a->config.optimizer.weight_decay, "weight decay")->capture_default_str();
  sub->add_option("--scale", a->scale,
                  "image data: rescale each image so its shorter side is S (the VGG paper's 256 or 384) before the "
                  "random crop; validation uses the centre crop at S");
  sub->add_option("--scale-jitter", a->scale_jitter,
                  "image data: SMIN SMAX, S drawn per image and per use from [SMIN, SMAX] (the paper's 256 512); "
                  "validation at (SMIN + SMAX) / 2")
      ->expected(2);
  sub->add_option("--shift", a->config.shift,
                  "Fashion-MNIST: move each training sample by up to N pixels each way, black filling in (the "
                  "graph's option shift)");
  sub->add_flag("--flip", a->config.flip, "Fashion-MNIST: mirror training samples with p = 1/2 (the graph's option flip: 1)");
  sub->add_option("--seed", a->seed, "seed of init, data order and dropout (default: the graph's, else 0)");
  sub->add_option("--checkpoint-dir", a->config.checkpoint_dir, "write latest.ckpt (each epoch, on Ctrl-C) and weights.npz here");
  sub->add_option("--resume", a->config.resume, "continue from this checkpoint");
  sub->add_option("--weights", a->config.weights, "start from these weights (.npz or checkpoint) instead of the initializers");
  sub->add_option("--init-from", a->config.init_from,
                  "warm start: take the variables of these weights (.npz or checkpoint) whose name and shape fit, "
                  "initialise the rest from the graph; both lists are printed");
  sub->add_option("--init-map", a->config.init_map,
                  "with --init-from: SRC=DST (a variable or layer) or a map file of such lines, e.g. "
                  "graphs/vgg11_to_deeper.map; only mapped variables are taken, a shape that differs is an error");
  sub->add_option("--metrics", a->config.metrics, "append one JSON line per step and per epoch to this file");
  sub->add_option("--checkpoint-every", a->checkpoint_every,
                  "also checkpoint every N steps (500) or every T (90s, 30m, 2h); the last --keep-checkpoints stay as "
                  "step-N.ckpt beside latest.ckpt");
  sub->add_option("--keep-checkpoints", a->config.keep_checkpoints, "how many step-N.ckpt to keep")->capture_default_str();
  sub->add_option("--warmup-epochs", a->config.schedule.warmup_epochs,
                  "gradual warm-up (Goyal et al.): the learning rate rises linearly, step by step, from "
                  "--warmup-start x lr to lr over these epochs (may be fractional)");
  sub->add_option("--warmup-start", a->config.schedule.warmup_start, "the warm-up's first factor of lr")
      ->capture_default_str();
  // Several ranks: mpirun -np N graphrun train ... (docs/distributed.md).
  sub->add_option("--comm-timeout", a->config.comm_timeout,
                  "ranks: seconds a collective waits for the other ranks before failing, naming those that never came")
      ->capture_default_str();
  sub->add_option("--bucket-mb", a->bucket_mb, "ranks: gradient bucket size in MB (one all-reduce each)")
      ->capture_default_str();
  sub->add_flag("--verify-replicas", a->config.verify_replicas,
                "ranks: after every step, check that every rank's weights hash to rank 0's");
  sub->add_option("--dtype", a->dtype,
                  "float32, or float64 to compute everything in double precision from a cast of the input (for "
                  "checks: a change of summation order then shows at 1e-16, not 1e-7)")
      ->check(CLI::IsMember({"float32", "float64"}))
      ->capture_default_str();
  add_devices_option(sub, a->config.devices, a->config.parallel);
  add_precision_option(sub);
  sub->add_option("--check-numerics", a->check_numerics,
                  "NaN/Inf: gradients (scan the loss and the gradients each step; a failing step runs again with "
                  "every node scanned, to name the first that produced one), nodes (every node, every step) or off")
      ->check(CLI::IsMember({"gradients", "nodes", "off"}))
      ->capture_default_str();
  sub->add_flag("--no-check-numerics", a->no_check_numerics, "the same as --check-numerics off");
  sub->add_flag("--quiet", a->config.quiet, "no live progress line");
  for (CLI::Option* option : sub->get_options()) a->options[option->get_name()] = option;
  sub->callback([a] {
    TrainConfig config = a->config;
    auto given = [&](const char* name) { return a->options.at(name)->count() > 0; };
    if (given("--batch-size")) check_at_least("--batch-size", a->batch_size, 1), config.batch_size = a->batch_size;
    if (given("--epochs")) check_at_least("--epochs", a->epochs, 1), config.epochs = a->epochs;
    if (given("--steps")) check_at_least("--steps", a->steps, 1), config.max_steps = a->steps;
    if (given("--seed")) config.seed = a->seed;
    if (given("--lr")) check_above_zero("--lr", a->lr), config.schedule.lr = a->lr;
    if (given("--gamma")) check_above_zero("--gamma", config.schedule.gamma);
    if (given("--step-size")) check_at_least("--step-size", config.schedule.step_size, 1);
    for (int64_t epoch : a->milestones) check_at_least("--milestones", epoch, 1);
    if (given("--momentum") && !(config.optimizer.momentum >= 0 && config.optimizer.momentum < 1))
      fail("--momentum {}: want 0 <= momentum < 1", config.optimizer.momentum);
    if (given("--weight-decay") && !(config.optimizer.weight_decay >= 0))
      fail("--weight-decay {}: want 0 or more", config.optimizer.weight_decay);
    if (given("--data-threads")) check_at_least("--data-threads", config.data_threads, 1);
    if (given("--keep-checkpoints")) check_at_least("--keep-checkpoints", config.keep_checkpoints, 1);
    if (given("--comm-timeout")) check_above_zero("--comm-timeout", config.comm_timeout);
    if (given("--shift")) check_at_least("--shift", config.shift, 0);
    if (given("--scale")) check_at_least("--scale", a->scale, 1);
    // The graph's training options that the command line set keep the command line's value.
    std::set<std::string> given_keys;
    for (auto [option, key] : std::map<std::string, std::string>{{"--lr", "lr"}, {"--schedule", "schedule"},
                                                                  {"--gamma", "gamma"}, {"--step-size", "step_size"},
                                                                  {"--momentum", "momentum"}, {"--weight-decay", "weight_decay"},
                                                                  {"--shift", "shift"}, {"--flip", "flip"}})
      if (given(option.c_str())) given_keys.insert(key);
    if (!a->milestones.empty()) config.schedule.milestones = a->milestones;
    config.check_numerics = parse_check_numerics(a->no_check_numerics ? "off" : a->check_numerics);
    parse_checkpoint_every(a->checkpoint_every, config.checkpoint_every_steps, config.checkpoint_every_seconds);
    config.float64 = a->dtype == "float64";
    if (!(a->bucket_mb > 0)) fail("--bucket-mb {}: want a positive size", a->bucket_mb);
    config.bucket_bytes = static_cast<int64_t>(a->bucket_mb * (1 << 20));
    if (a->scale != 0 && !a->scale_jitter.empty()) fail("--scale and --scale-jitter exclude each other");
    if (a->scale != 0) config.scale_min = config.scale_max = a->scale;
    if (!a->scale_jitter.empty()) config.scale_min = a->scale_jitter[0], config.scale_max = a->scale_jitter[1];
    if (config.scale_min < 0 || (!a->scale_jitter.empty() && config.scale_min < 1) || config.scale_max < config.scale_min)
      fail("--scale-jitter {} {}: want 1 <= SMIN <= SMAX", config.scale_min, config.scale_max);
    if (a->scale < 0) fail("--scale {}: want a positive size", a->scale);
    // An ONNX model has no training section: the defaults only (and no second import).
    proto::Training training = is_onnx_path(config.graph) ? proto::Training{} : read_graph_file(config.graph).training();
    try {
      apply_graph_defaults(training, config, given_keys);
    } catch (const Error& e) {
      fail("{}: {}", config.graph, e.what());  // the graph's training section is where to look
    }
    TrainSummary s = train(config);
    if (!s.leader) return;  // under mpirun rank 0 speaks for all
    // Validation runs at the end of an epoch: a run stopped inside its first one has none.
    std::string validation = s.epochs_done > 0 ? fmt::format("val top-1 {:.4f} top-5 {:.4f}", s.val_top1, s.val_top5)
                                               : "no epoch finished, no validation yet";
    fmt::print("{}: {} steps, {} epochs; last loss {:.4f}; {}{}\n", s.interrupted ? "interrupted" : "done", s.steps,
               s.epochs_done, s.last_loss, validation, s.checkpoint.empty() ? "" : "; checkpoint " + s.checkpoint);
  });
}

struct EvalArgs {
  std::string graph, weights, data = "fashion-mnist";
  int64_t batch_size = 100;
  std::string devices = "cpu:0", parallel = "model";
  bool ten_crop = false;
  bool dense = false;
  int crops = 0;
  std::vector<int64_t> scales;
};

// eval --dense and/or --crops 50, per test scale Q: the dense net over the whole image at QxQ
// with its flip, and/or 50 crops of the image rescaled to Q; the softmax of every evaluation
// averaged (the VGG paper's multi-scale, dense + multi-crop evaluation).
void evaluate_scales(const EvalArgs& a) {
  Graph model = without_loss(load_graph_for(a.graph, 1));
  const Shape& native = model.node(find_image_input(model, find_logits(model))).outputs[0].shape;
  if (native.rank() != 4) fail("--dense and --crops need an image input [batch, C, H, W]; the graph's is {}", native.str());
  std::vector<int64_t> scales = a.scales.empty() ? std::vector<int64_t>{native[2]} : a.scales;
  const bool images = is_prepared_folder(a.data) || is_image_folder(a.data);
  SampleProbabilities total;
  int64_t evaluations = 0;
  std::string data_name;
  auto evaluate_one = [&](const Graph& graph, const std::string& logits, const DataOptions& options, bool flips,
                 const std::string& what) {
    std::string input = find_image_input(graph, logits);
    const Shape& in = graph.node(input).outputs[0].shape;
    Shape image(std::vector<int64_t>(in.dims().begin() + 1, in.dims().end()));
    DataSplits data = open_dataset(a.data, image, graph.info(graph.resolve(logits)).shape[1], graph.training.seed(), options);
    std::unique_ptr<Dataset> views = flips ? with_flipped_views(std::move(data.validation)) : std::move(data.validation);
    Graph compiled = compile_for_devices(graph, a.devices, a.parallel);
    VariableStore vars;
    load_weights(vars, compiled, a.weights);
    Executor executor(std::move(compiled), vars);
    SampleProbabilities p = sample_probabilities(executor, input, logits, *views);
    EvalResult r = score_probabilities(p);
    fmt::print("{}: {} samples  top-1 {:.4f}  top-5 {:.4f}  loss {:.4f}\n", what, r.samples, r.top1, r.top5, r.loss);
    data_name = views->name();
    ++evaluations;
    if (total.labels.empty()) {
      total = std::move(p);
    } else {
      for (int64_t i = 0; i < total.probabilities.num_elements(); ++i)
        total.probabilities.data<double>()[i] += p.probabilities.data<double>()[i];
    }
  };
  for (int64_t q : scales) {
    if (q < 1) fail("--scales: {} is not a positive size", q);
    if (a.dense) {
      DenseGraph dense = dense_evaluation_graph(model, q, q);
      BuildOptions options;
      options.batch_size = a.batch_size;
      Graph graph = build_graph(dense.graph, options);
      const Shape& map = graph.info(graph.resolve(dense.score_map)).shape;
      // Image folders rescale the image to QxQ; other data (Fashion-MNIST) is resized to the input.
      evaluate_one(graph, kDenseLogits, {.eval_scale = images ? q : 0}, /*flips=*/true,
          fmt::format("dense at {}: score map {}x{}, with flip", q, map[2], map[3]));
    }
    if (a.crops == 50) {
      Graph graph = without_loss(load_graph_for(a.graph, a.batch_size));
      evaluate_one(graph, find_logits(graph), {.eval_scale = q, .grid_crops = true}, /*flips=*/false,
          fmt::format("50 crops at {}", q));
    }
  }
  for (int64_t i = 0; i < total.probabilities.num_elements(); ++i)
    total.probabilities.data<double>()[i] /= static_cast<double>(evaluations);
  EvalResult r = score_probabilities(total);
  fmt::print("{}: {}{}over scales {}: {} samples  top-1 {:.4f}  top-5 {:.4f}  loss {:.4f}\n", data_name,
             a.dense ? "dense " : "", a.crops == 50 ? (a.dense ? "+ multi-crop " : "multi-crop ") : "",
             fmt::join(scales, ","), r.samples, r.top1, r.top5, r.loss);
}

void add_eval_cmd(CLI::App& app) {
  auto a = std::make_shared<EvalArgs>();
  CLI::App* sub = app.add_subcommand("eval", "Top-1 and top-5 accuracy of trained weights on a data set's test split");
  sub->add_option("graph", a->graph, "graph file (.pbtxt, .pb or .onnx)")->required();
  sub->add_option("--weights", a->weights, "weights: .npz or a checkpoint")->required();
  sub->add_option("--data", a->data, "fashion-mnist, synthetic, a folder of IDX files, an image folder or a prepared folder")->capture_default_str();
  sub->add_flag("--ten-crop", a->ten_crop, "image data: average the softmax of the four corner and centre crops and their flips");
  sub->add_flag("--dense", a->dense,
                "dense evaluation: the FC layers as convolutions over the whole image at each scale, the class "
                "score map averaged spatially and with the flipped image, the softmax averaged over scales");
  CLI::Option* crops = sub->add_option("--crops", a->crops,
                  "50: multi-crop evaluation, a 5x5 grid of crops and their flips per test scale (image folders); "
                  "with --dense both are averaged");
  sub->add_option("--scales", a->scales,
                  "with --dense or --crops: test scales Q (the image rescaled to QxQ), e.g. 256,384,512 (default: "
                  "the graph's input size)")
      ->delimiter(',');
  sub->add_option("--batch-size", a->batch_size, "batch size")->capture_default_str();
  add_devices_option(sub, a->devices, a->parallel);
  add_precision_option(sub);
  sub->callback([a, crops] {
    check_at_least("--batch-size", a->batch_size, 1);
    if (crops->count() > 0 && a->crops != 50) fail("--crops {}: the paper's multi-crop evaluation takes 50", a->crops);
    if (!a->scales.empty() && !a->dense && a->crops == 0) fail("--scales needs --dense or --crops 50");
    if ((a->dense || a->crops != 0) && a->ten_crop) fail("--ten-crop is another evaluation than --dense and --crops");
    if (a->dense || a->crops != 0) return evaluate_scales(*a);
    // A graph with its own loss is evaluated without it: the images go to the logits' input.
    Graph graph = without_loss(load_graph_for(a->graph, a->batch_size));
    std::string logits = find_logits(graph);
    std::string input = find_image_input(graph, logits);
    const Shape& shape = graph.node(input).outputs[0].shape;
    Shape image(std::vector<int64_t>(shape.dims().begin() + 1, shape.dims().end()));
    DataSplits data = open_dataset(a->data, image, graph.info(graph.resolve(logits)).shape[1], graph.training.seed(),
                                   {.ten_crop = a->ten_crop});
    graph = compile_for_devices(graph, a->devices, a->parallel);
    VariableStore vars;
    load_weights(vars, graph, a->weights);
    Executor executor(std::move(graph), vars);
    EvalResult r = evaluate(executor, input, logits, *data.validation);
    fmt::print("{}: {} samples  top-1 {:.4f}  top-5 {:.4f}  loss {:.4f}\n", data.validation->name(), r.samples, r.top1,
               r.top5, r.loss);
  });
}

void add_export_cmd(CLI::App& app) {
  auto in = std::make_shared<std::string>(), out = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("export-weights", "Write a checkpoint's weights to an .npz keyed by variable name");
  sub->add_option("checkpoint", *in, "checkpoint file")->required();
  sub->add_option("output", *out, "the .npz to write")->required();
  sub->callback([in, out] {
    proto::Checkpoint ckpt = read_checkpoint(*in);
    std::map<std::string, Tensor> weights = checkpoint_weights(ckpt, *in);
    write_npz(*out, weights);
    fmt::print("{}: {} weights of graph '{}' (step {})\n", *out, weights.size(), ckpt.graph(), ckpt.step());
  });
}

}  // namespace

void add_gradients_cmd(CLI::App& app);  // gradients.cc

void add_train(CLI::App& app) {
  add_train_cmd(app);
  add_gradients_cmd(app);
  add_eval_cmd(app);
  add_export_cmd(app);
}

}  // namespace graphrun::cli
