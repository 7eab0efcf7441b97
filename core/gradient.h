// Reverse-mode automatic differentiation as a graph pass. Each op's gradient function (its
// OpDef::grad_fn) receives a GradContext: the forward node, the names of the gradients of its
// outputs, and a way to add ordinary nodes; it declares the gradients of its inputs. The pass
// sums fan-out with AddN and returns a graph file with the backward nodes added.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/graph.h"

namespace graphrun {

using AttrList = std::vector<std::pair<std::string, proto::Attr>>;

class GradContext {
 public:
  GradContext(const Graph& graph, const Node& node, std::vector<std::string> grad_outputs, proto::Graph& out,
              std::set<std::string>& names, std::vector<std::string>& grad_inputs);

  const Node& node() const { return node_; }
  const AttrMap& attrs() const { return node_.attrs; }
  int num_inputs() const { return static_cast<int>(node_.inputs.size()); }
  // Tensor names of the forward node's inputs and outputs ("conv1", "split:1").
  std::string input(int i) const;
  std::string output(int i) const;
  const TensorInfo& input_info(int i) const;
  // The gradient of the loss with respect to output i, or "" when none flows into it.
  const std::string& grad_output(int i) const { return grad_outputs_.at(i); }
  // The gradient of output i, or a ZerosLike of the output when none flows into it.
  std::string grad_output_or_zeros(int i);

  // Adds a node named "<forward node>/grad/<suffix>" (made unique); returns its name.
  std::string add(const std::string& suffix, const std::string& op, const std::vector<std::string>& inputs,
                  const AttrList& attrs = {});
  // Declares the gradient of input i.
  void set_grad_input(int i, const std::string& tensor);
  // Copies the forward node's attrs (all, or the named ones) for a backward op that takes them.
  AttrList forward_attrs(const std::vector<std::string>& names) const;

 private:
  const Graph& graph_;
  const Node& node_;
  std::vector<std::string> grad_outputs_;
  proto::Graph& out_;
  std::set<std::string>& names_;  // every node name in out_, to keep added names unique
  std::vector<std::string>& grad_inputs_;
};

struct Gradients {
  proto::Graph graph;                             // forward + backward nodes
  std::map<std::string, std::string> of;          // variable (or input) name -> its gradient tensor
  // Every gradient tensor the pass added (a contribution or a sum) -> the forward tensor it is
  // the gradient of; what `graphrun place` reports a backward transfer as.
  std::map<std::string, std::string> gradient_of;
  // Every node the pass added -> the forward node whose gradient function added it.
  std::map<std::string, std::string> forward_of;
};

// Adds the gradients of scalar `loss` with respect to `wrt` (Variables or Placeholders).
// Nodes on a path from `wrt` to the loss must have a gradient function; inputs listed in
// OpDef::no_gradient and StopGradient cut paths explicitly.
Gradients add_gradients(const Graph& graph, const std::string& loss, const std::vector<std::string>& wrt);

// The gradients one node's gradient function adds, given the gradients of its outputs
// (for the op test harness). Returns the tensor names of the input gradients ("" for none).
std::vector<std::string> add_node_gradients(const Graph& graph, const std::string& node,
                                            const std::vector<std::string>& grad_outputs, proto::Graph& out);

}  // namespace graphrun
