// Pieces the graphrun subcommands share: loading a graph for a batch size, weights, random
// inputs, number formatting.
#pragma once

#include <CLI/CLI.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/tensor.h"
#include "core/variable_store.h"

namespace graphrun::cli {

// Each subcommand file defines one of these; main.cc calls them all.
void add_inspect(CLI::App& app);
void add_convert(CLI::App& app);
void add_run(CLI::App& app);
void add_classify(CLI::App& app);
void add_ops(CLI::App& app);
void add_bench(CLI::App& app);
void add_dot(CLI::App& app);
void add_place(CLI::App& app);
void add_train(CLI::App& app);  // train, eval, export-weights
void add_data(CLI::App& app);   // prepare, bench-data
void add_pictures(CLI::App& app);  // filters, plot
void add_check_op(CLI::App& app);

// Thrown by a subcommand that ends with an exit code of its own (check-op: 1 when a check
// failed), after printing what it has to say.
struct ExitCode {
  int code;
};
void add_onnx_export(CLI::App& app);  // export

Graph load_graph_for(const std::string& path, int64_t batch_size);
// --devices D1,D2 (alias --device): the devices a subcommand runs on; --parallel: how several
// share the work (model: the model split across them; data: each a share of the batch; hybrid:
// convolutions data-parallel, fully connected layers split).
void add_devices_option(CLI::App* sub, std::string& devices, std::string& parallel);
void add_parallel_option(CLI::App* sub, std::string& parallel);
// --precision fp32|tf32: sets the process-wide math precision (core/precision.h) as it parses.
void add_precision_option(CLI::App* sub);
// The model compiled for inference on `devices` (split, placed, partitioned).
// `fetched`: nodes whose own outputs the caller fetches (kept out of the activation fusion).
Graph compile_for_devices(const Graph& model, const std::string& devices, const std::string& parallel,
                          const std::set<std::string>& fetched = {});
// Weights from an .npz keyed by variable name, or a checkpoint's weights (every variable of
// the graph must be present).
void load_weights(VariableStore& variables, const Graph& graph, const std::string& path);
// Deterministic N(0, 1) values of the given dtype and shape (uniform class ids for integers).
Tensor random_tensor(const TensorInfo& info, uint64_t seed, int64_t classes = 10);
// Random feeds for every Placeholder of the graph.
std::map<std::string, Tensor> random_feeds(const Graph& graph, uint64_t seed);
// The natural outputs: nodes nobody reads.
std::vector<std::string> default_fetches(const Graph& graph);
// Parameters a node owns: elements of the Variables it reads directly.
int64_t node_parameters(const Graph& graph, const Node& node);
int64_t total_parameters(const Graph& graph);
// Row `row` of a classifier's output [batch, classes] as probabilities (softmax of logits, or as
// they are), by class.
std::vector<double> row_probabilities(const Tensor& out, int64_t row, bool already_probabilities);
// Row `row` of a classifier's output [batch, classes] as probabilities (softmax of logits, or as
// they are), its `k` most likely classes first: (class, probability).
std::vector<std::pair<int64_t, double>> top_classes(const Tensor& out, int64_t row, int k, bool already_probabilities);
// Numeric options are honoured or refused with their valid range, never read as "unset":
// `--batch-size 0: want at least 1`.
void check_at_least(const char* option, int64_t value, int64_t min);
void check_above_zero(const char* option, double value);
// 1234567 -> "1.23M"
std::string human(double value);

}  // namespace graphrun::cli
