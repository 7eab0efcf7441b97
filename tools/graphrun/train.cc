// graphrun train GRAPH: trains with the recipe of the graph's training section, every field of
// which the command line can override; graphrun eval and export-weights go with it.
#include "core/graph_io.h"
#include "core/npz.h"
#include "core/onnx/onnx_import.h"
#include "runtime/train/checkpoint.h"
#include "runtime/train/evaluate.h"
#include "runtime/train/trainer.h"
#include "tools/graphrun/cli_common.h"

namespace graphrun::cli {

namespace {

struct TrainArgs {
  TrainConfig config;
  double lr = 0;
  std::vector<int64_t> milestones;
  bool no_check_numerics = false;
};

void add_train_cmd(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  a->config.data.clear();
  CLI::App* sub = app.add_subcommand("train", "Train a graph: SGD with momentum, progress, validation, checkpoints");
  sub->add_option("graph", a->config.graph, "graph file (.pbtxt, .pb or .onnx)")->required();
  sub->add_option("--data", a->config.data, "fashion-mnist, synthetic, npz:FILE.npz (images, labels), a folder of Fashion-MNIST IDX files, an image folder or a prepared folder");
  sub->add_option("--data-threads", a->config.data_threads, "input pipeline threads for image data (0: all cores)");
  sub->add_option("--epochs", a->config.epochs, "epochs (default: the graph's training section, else 1)");
  sub->add_option("--steps", a->config.max_steps, "stop after this many steps in all");
  sub->add_option("--batch-size", a->config.batch_size, "batch size (default: the graph's, else 128)");
  sub->add_option("--lr", a->lr, "initial learning rate (default: the graph's, else 0.01)");
  sub->add_option("--schedule", a->config.schedule.kind, "fixed, step, multistep or plateau");
  sub->add_option("--gamma", a->config.schedule.gamma, "decay factor of the schedule")->capture_default_str();
  sub->add_option("--step-size", a->config.schedule.step_size, "epochs between decays (step)")->capture_default_str();
  sub->add_option("--milestones", a->milestones, "epochs at which to decay (multistep)");
  sub->add_option("--momentum", a->config.optimizer.momentum, "momentum")->capture_default_str();
  sub->add_option("--weight-decay", a->config.optimizer.weight_decay, "weight decay")->capture_default_str();
  sub->add_option("--seed", a->config.seed, "seed of init, data order and dropout");
  sub->add_option("--checkpoint-dir", a->config.checkpoint_dir, "write latest.ckpt (each epoch, on Ctrl-C) and weights.npz here");
  sub->add_option("--resume", a->config.resume, "continue from this checkpoint");
  sub->add_option("--weights", a->config.weights, "start from these weights (.npz or checkpoint) instead of the initializers");
  sub->add_option("--metrics", a->config.metrics, "append one JSON line per step and per epoch to this file");
  add_devices_option(sub, a->config.devices, a->config.parallel);
  add_precision_option(sub);
  sub->add_flag("--no-check-numerics", a->no_check_numerics, "do not scan outputs for NaN/Inf (faster)");
  sub->add_flag("--quiet", a->config.quiet, "no live progress line");
  sub->callback([a] {
    TrainConfig config = a->config;
    if (a->lr > 0) config.schedule.lr = a->lr;
    if (!a->milestones.empty()) config.schedule.milestones = a->milestones;
    config.check_numerics = !a->no_check_numerics;
    // An ONNX model has no training section: the defaults only (and no second import).
    apply_graph_defaults(is_onnx_path(config.graph) ? proto::Training{} : read_graph_file(config.graph).training(),
                         config, a->lr > 0);
    TrainSummary s = train(config);
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
};

void add_eval_cmd(CLI::App& app) {
  auto a = std::make_shared<EvalArgs>();
  CLI::App* sub = app.add_subcommand("eval", "Top-1 and top-5 accuracy of trained weights on a data set's test split");
  sub->add_option("graph", a->graph, "graph file (.pbtxt, .pb or .onnx)")->required();
  sub->add_option("--weights", a->weights, "weights: .npz or a checkpoint")->required();
  sub->add_option("--data", a->data, "fashion-mnist, synthetic, a folder of IDX files, an image folder or a prepared folder")->capture_default_str();
  sub->add_flag("--ten-crop", a->ten_crop, "image data: average the softmax of the four corner and centre crops and their flips");
  sub->add_option("--batch-size", a->batch_size, "batch size")->capture_default_str();
  add_devices_option(sub, a->devices, a->parallel);
  add_precision_option(sub);
  sub->callback([a] {
    Graph graph = load_graph_for(a->graph, a->batch_size);
    std::string logits = find_logits(graph);
    std::string input = graph.nodes[graph.nodes_with_op("Placeholder").at(0)].name;
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
