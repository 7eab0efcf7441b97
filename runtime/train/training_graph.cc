#include "runtime/train/training_graph.h"

#include <fmt/ranges.h>

#include <set>

#include "core/error.h"
#include "core/gradient.h"
#include "core/variable_parts.h"
#include "runtime/passes/gradient_exchange.h"

namespace graphrun {

namespace {

proto::Node* add_node(proto::Graph& g, const std::string& name, const std::string& op, std::vector<std::string> inputs,
                      const AttrList& attrs = {}) {
  proto::Node* n = g.add_node();
  n->set_name(name);
  n->set_op(op);
  for (auto& in : inputs) n->add_input(std::move(in));
  for (const auto& [attr_name, value] : attrs) {
    proto::Attr* a = n->add_attr();
    *a = value;
    a->set_name(attr_name);
  }
  return n;
}

std::string unique_name(const Graph& g, const std::string& base) {
  std::string name = base;
  for (int k = 1; g.find(name) >= 0; ++k) name = fmt::format("{}_{}", base, k);
  return name;
}

}  // namespace

TrainingGraph build_training_graph(const Graph& model, const OptimizerSettings& optimizer, const RankExchange& ranks,
                                   ReplicaSum replica_sum) {
  TrainingGraph t;
  t.logits = find_logits(model);
  const TensorInfo& logits = model.info(model.resolve(t.logits));
  if (logits.shape.rank() != 2) fail("the logits '{}' must be [batch, classes], got {}", t.logits, logits.shape.str());
  // The images go where the logits come from: the graph's edges say which input that is.
  t.data = find_image_input(model, t.logits);

  // Forward + loss: the graph's own (its labels the loss's input), else one added here.
  proto::Graph with_loss = to_proto(model);
  if (std::string own = find_loss(model, t.logits); !own.empty()) {
    t.loss = own;
    t.labels = find_labels(model, t.loss);
    t.probabilities = t.loss + ":1";
  } else {
    t.labels = unique_name(model, "labels");
    t.loss = unique_name(model, "loss");
    t.probabilities = t.loss + ":1";
    // On a placed graph the loss and its labels go where the logits are, so autodiff gives the
    // loss's gradient that device too.
    const std::string& device = model.nodes[model.resolve(t.logits).node].device;
    add_node(with_loss, t.labels, "Placeholder", {},
             {{"shape", attr_shape(Shape{Shape::kBatch})}, {"dtype", attr_dtype(DType::kInt64)}})
        ->set_device(device);
    add_node(with_loss, t.loss, "SoftmaxCrossEntropy", {t.logits, t.labels})->set_device(device);
  }
  BuildOptions options;
  options.batch_size = model.batch_size;
  Graph forward = build_graph(with_loss, options);

  // Trainable variables the loss depends on.
  std::vector<bool> to_loss(forward.nodes.size(), false);
  to_loss[forward.resolve(t.loss).node] = true;
  for (size_t i = forward.nodes.size(); i-- > 0;)
    if (to_loss[i])
      for (const auto& ref : forward.nodes[i].inputs) to_loss[ref.node] = true;
  for (int i : forward.nodes_with_op("Variable")) {
    const Node& v = forward.nodes[i];
    if (v.attrs.b("trainable") && to_loss[i]) t.model_variables.push_back(v.name);
  }
  if (t.model_variables.empty()) fail("graph '{}' has no trainable variable the loss depends on", model.name);

  Gradients grads = add_gradients(forward, t.loss, t.model_variables);
  proto::Graph& g = grads.graph;
  // Replicated variables (--parallel data, hybrid) update with the sum of their replicas' gradients.
  for (const auto& [sum, variable] : sum_replica_gradients(g, forward, t.model_variables, grads.of, replica_sum))
    grads.gradient_of[sum] = variable;
  // Data parallelism across processes: the mean of every rank's gradient.
  for (const auto& [mean, variable] : all_reduce_across_ranks(g, forward, t.model_variables, grads.of, ranks))
    grads.gradient_of[mean] = variable;
  t.learning_rate = unique_name(forward, "learning_rate");
  add_node(g, t.learning_rate, "Placeholder", {}, {{"shape", attr_shape(Shape{})}, {"dtype", attr_dtype(DType::kFloat32)}});

  // Every update waits for every gradient: a weight is overwritten only when no node of this
  // step can still read it (backward ops read the weights too).
  std::set<std::string> barrier_nodes;  // a sum of replicas' gradients serves several variables
  for (const auto& [var, grad] : grads.of) barrier_nodes.insert("^" + split_tensor_name(grad).first);
  std::vector<std::string> barrier(barrier_nodes.begin(), barrier_nodes.end());
  for (const auto& var : t.model_variables) {
    const Node& v = forward.node(var);
    std::string slot = var + "/momentum";
    AttrList slot_attrs = {{"shape", v.attrs.get("shape")}, {"dtype", v.attrs.get("dtype")},
                           {"init", attr_init_constant(0)}, {"trainable", attr_bool(false)}};
    // The momentum of a part of a split variable is that part of the logical momentum, so
    // checkpoints hold "conv1/weight/momentum" however many devices trained.
    if (auto part = variable_part(v)) {
      slot_attrs.emplace_back("part_of", attr_string(part->logical + "/momentum"));
      for (const char* attr : {"part_axis", "part_offset", "part_shape"}) slot_attrs.emplace_back(attr, v.attrs.get(attr));
    }
    add_node(g, slot, "Variable", {}, slot_attrs)->set_device(v.device);
    std::vector<std::string> inputs = {var, slot, grads.of.at(var), t.learning_rate};
    inputs.insert(inputs.end(), barrier.begin(), barrier.end());
    std::string update = var + "/update";
    add_node(g, update, "ApplyMomentum", inputs,
             {{"momentum", attr_float(optimizer.momentum)}, {"weight_decay", attr_float(optimizer.weight_decay)},
              {"lr_mult", v.attrs.get("lr_mult")}, {"decay_mult", v.attrs.get("decay_mult")}})
        ->set_device(v.device);
    t.slot_variables.push_back(slot);
    t.updates.push_back(update);
  }
  t.gradients = grads.of;
  t.gradient_of = grads.gradient_of;
  t.forward_of = grads.forward_of;
  t.graph = build_graph(g, options);
  return t;
}

}  // namespace graphrun
