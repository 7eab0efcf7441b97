// graphrun gradients GRAPH: the loss and the gradient of every trainable variable for one batch,
// written to an .npz (inference mode, so dropout is off). For checking graphrun against another
// framework and for debugging a model.
#include "core/npz.h"
#include "runtime/exec/executor.h"
#include "runtime/train/training_graph.h"
#include "tools/graphrun/cli_common.h"

namespace graphrun::cli {

namespace {
struct GradientsArgs {
  std::string graph, weights, input, labels, output;
};
}  // namespace

void add_gradients_cmd(CLI::App& app) {
  auto a = std::make_shared<GradientsArgs>();
  CLI::App* sub = app.add_subcommand("gradients", "Write the loss and every variable's gradient for one batch to an .npz");
  sub->add_option("graph", a->graph, "graph file (.pbtxt, .pb or .onnx)")->required();
  sub->add_option("--weights", a->weights, "weights (.npz or checkpoint); default: the initializers");
  sub->add_option("--input", a->input, "the images, an .npy [N, C, H, W]")->required();
  sub->add_option("--labels", a->labels, "the labels, an .npy [N] of integers")->required();
  sub->add_option("--output", a->output, "the .npz to write: 'loss' and one array per variable")->required();
  sub->callback([a] {
    Tensor images = read_npy(a->input);
    Tensor labels = read_npy(a->labels);
    if (images.shape().rank() < 1) fail("--input must have a batch dimension");
    Graph model = load_graph_for(a->graph, images.shape()[0]);
    TrainingGraph tg = build_training_graph(model, {});
    if (labels.dtype() != DType::kInt64) {
      Tensor converted(DType::kInt64, labels.shape());
      for (int64_t i = 0; i < labels.num_elements(); ++i)
        converted.data<int64_t>()[i] = static_cast<int64_t>(labels.value_as_double(i));
      labels = converted;
    }
    VariableStore vars;
    if (!a->weights.empty()) load_weights(vars, model, a->weights);
    std::vector<std::string> fetches = {tg.loss};
    for (const auto& var : tg.model_variables) fetches.push_back(tg.gradients.at(var));
    Executor executor(std::move(tg.graph), vars);
    std::vector<Tensor> out = executor.run({{tg.data, images}, {tg.labels, labels}}, fetches, /*training=*/false);
    std::map<std::string, Tensor> arrays{{"loss", out[0]}};
    for (size_t k = 0; k < tg.model_variables.size(); ++k) arrays[tg.model_variables[k]] = out[k + 1];
    write_npz(a->output, arrays);
    fmt::print("loss {:.6f}; {} gradients written to {}\n", out[0].value_as_double(0), tg.model_variables.size(),
               a->output);
  });
}

}  // namespace graphrun::cli
