// The graph IR: nodes in topological order with resolved inputs, normalized attrs and inferred
// output dtypes and shapes. Built from a proto::Graph by build_graph(), which checks everything
// a graph file can get wrong and names the node in each error.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/attrs.h"
#include "core/op_registry.h"
#include "core/proto/graph.pb.h"

namespace graphrun {

struct TensorRef {
  int node = -1;
  int output = 0;
  bool operator==(const TensorRef&) const = default;
  auto operator<=>(const TensorRef&) const = default;
};

struct Node {
  std::string name;
  std::string op;
  std::string device;  // as written; "" lets placement decide
  std::string doc;
  std::vector<std::string> input_names;  // as written: "node" or "node:k"
  std::vector<TensorRef> inputs;          // resolved
  // Nodes that must run first though no tensor flows ("^node" in the file, as in TF): the
  // optimizer's updates wait for every gradient this way.
  std::vector<std::string> control_names;
  std::vector<int> control_inputs;
  AttrMap attrs;                          // validated, defaults filled
  const OpDef* def = nullptr;
  std::vector<TensorInfo> outputs;        // inferred
  Cost cost;                              // for the graph's batch size
  bool implicit = false;                  // a Variable the loader created for an implicit parameter
};

struct BuildOptions {
  int64_t batch_size = 1;
  // Graph-level check that rejects graphs too large to be sensible (guards against hostile files).
  size_t max_nodes = 1'000'000;
};

class Graph {
 public:
  std::string name;
  std::string doc;
  int64_t version = 0;
  std::vector<std::string> plugins;
  proto::Training training;
  int64_t batch_size = 1;

  std::vector<Node> nodes;  // topological order

  int find(const std::string& node_name) const;  // -1 if absent
  // Throws Error "no node 'x' (did you mean 'y'?)".
  const Node& node(const std::string& node_name) const;
  int index(const std::string& node_name) const;
  // "node" or "node:k" -> TensorRef; throws naming the problem.
  TensorRef resolve(const std::string& tensor_name) const;
  const TensorInfo& info(TensorRef ref) const { return nodes.at(ref.node).outputs.at(ref.output); }
  std::string tensor_name(TensorRef ref) const;

  std::vector<int> nodes_with_op(const std::string& op) const;
  // Nodes whose outputs no other node reads (the graph's natural outputs).
  std::vector<int> sinks() const;
  // For each node, the nodes that read one of its outputs.
  std::vector<std::vector<int>> consumers() const;
  // Which nodes a run of these tensors (or nodes) executes: them and their ancestors, control
  // inputs included.
  std::vector<bool> ancestors_of(const std::vector<std::string>& tensors) const;
  std::vector<bool> ancestors_of_nodes(const std::vector<int>& node_indices) const;

  // Re-infers every shape for another batch size (Placeholder dims of -1 take it).
  void rebind_batch(int64_t batch);

 private:
  std::map<std::string, int> index_;
  friend Graph build_graph(const proto::Graph&, const BuildOptions&);
  friend void reindex(Graph&);
};

// Validates a graph file and builds the IR: unique names, known ops and attrs, inputs that exist,
// no cycles (the nodes on a cycle are named), implicit parameters made explicit, shapes inferred.
Graph build_graph(const proto::Graph& graph_def, const BuildOptions& options = {});

// The IR back as a graph file: topological order, implicit parameters written explicitly.
proto::Graph to_proto(const Graph& graph);

// The logits of a model graph: training.logits if set, else the input of a final Softmax (or
// SoftmaxCrossEntropy), else its only output. Beside the graph, as its training section is,
// so the passes that treat the logits apart need not include the trainer.
std::string find_logits(const Graph& model);
// The loss a model graph carries: training.loss if set, else a SoftmaxCrossEntropy that reads
// the logits; "" when it has none (training then adds one).
std::string find_loss(const Graph& model, const std::string& logits);
// The labels Placeholder of a graph's own loss: training.labels if set, else the loss's input 1.
std::string find_labels(const Graph& model, const std::string& loss);
// The image input: the one Placeholder the logits are computed from, found from the graph's
// edges, never from the order the nodes were declared in (a labels input can come first).
std::string find_image_input(const Graph& model, const std::string& logits);
// The model without its loss: only the nodes the logits or `keep` need, so running,
// classifying and exporting a graph with its own loss neither need nor feed labels.
Graph without_loss(const Graph& model, const std::vector<std::string>& keep = {});

// Parses "node" / "node:k".
std::pair<std::string, int> split_tensor_name(const std::string& tensor_name);

}  // namespace graphrun
