#include "runtime/passes/mixed_precision.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/attrs.h"
#include "core/error.h"
#include "core/kernel_registry.h"
#include "runtime/devices/cpu_peak.h"
#include "runtime/passes/placement.h"

namespace graphrun {

namespace {

std::string tensor_string(const std::string& node, int output) {
  return output == 0 ? node : node + ":" + std::to_string(output);
}

class MixedPrecision {
 public:
  explicit MixedPrecision(const Graph& graph) : graph_(graph), bf16_(graph.nodes.size(), false) {}

  Graph run() {
    for (size_t i = 0; i < graph_.nodes.size(); ++i) bf16_[i] = runs_in_bfloat16(static_cast<int>(i));
    std::vector<bool> outputs = graph_outputs();
    const proto::Graph in = to_proto(graph_);
    out_ = in;
    out_.clear_node();
    names_.resize(graph_.nodes.size());
    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
      const Node& node = graph_.nodes[i];
      names_[i] = bf16_[i] && outputs[i] ? node.name + "/bf16" : node.name;
      proto::Node pn = in.node(static_cast<int>(i));
      pn.set_name(names_[i]);
      pn.clear_input();
      for (const TensorRef& ref : node.inputs) pn.add_input(input_for(ref, bf16_[i]));
      for (int control : node.control_inputs) pn.add_input("^" + names_[control]);
      *out_.add_node() = pn;
      if (names_[i] != node.name) {  // float32 consumers read the cast that took the node's name
        add_cast(names_[i], node.name, node.device, DType::kFloat32);
        casts_[{names_[i], DType::kFloat32}] = node.name;
      }
    }
    BuildOptions options;
    options.batch_size = graph_.batch_size;
    return build_graph(out_, options);
  }

 private:
  // As the op declares (OpTraits::bfloat16): the products whenever their inputs are float32 (or
  // bfloat16 already), the ops that follow them when their data input arrives in bfloat16.
  bool runs_in_bfloat16(int i) const {
    const Node& node = graph_.nodes[i];
    if (node.def == nullptr) return false;
    const OpTraits& traits = node.def->traits;
    bool candidate = false;
    if (traits.bfloat16 == BFloat16Behaviour::kComputes)
      candidate = std::all_of(node.inputs.begin(), node.inputs.end(), [&](const TensorRef& ref) {
        return graph_.info(ref).dtype == DType::kFloat32 || bf16_[ref.node];
      });
    else if (traits.bfloat16 == BFloat16Behaviour::kFollows)
      candidate = !node.inputs.empty() && bf16_[node.inputs[0].node];
    return candidate &&
           (traits.bfloat16_when == nullptr || traits.bfloat16_when(make_node_info(graph_, i, DeviceName{})));
  }

  // Sinks and the logits (the trainer's loss and the evaluation read them): the tensors a caller
  // fetches by name.
  std::vector<bool> graph_outputs() const {
    std::vector<bool> outputs(graph_.nodes.size(), false);
    for (int sink : graph_.sinks()) outputs[sink] = true;
    try {
      outputs[graph_.resolve(find_logits(graph_)).node] = true;
    } catch (const Error&) {
      // A graph with several outputs and no logits named: only its sinks are outputs.
    }
    return outputs;
  }

  // The name a consumer reads `ref` by: the tensor itself when its dtype suits the consumer,
  // else a Cast of it (one per tensor and dtype, shared by every consumer).
  std::string input_for(const TensorRef& ref, bool consumer_bf16) {
    const std::string tensor = tensor_string(names_[ref.node], ref.output);
    const bool producer_bf16 = bf16_[ref.node];
    if (producer_bf16 == consumer_bf16 || graph_.info(ref).dtype != DType::kFloat32) return tensor;
    const DType to = consumer_bf16 ? DType::kBFloat16 : DType::kFloat32;
    const auto key = std::pair{tensor, to};
    if (auto it = casts_.find(key); it != casts_.end()) return it->second;
    std::string name = tensor_string(graph_.nodes[ref.node].name, ref.output) + (consumer_bf16 ? "/to_bf16" : "/to_f32");
    std::replace(name.begin(), name.end(), ':', '_');
    add_cast(tensor, name, graph_.nodes[ref.node].device, to);
    return casts_[key] = name;
  }

  void add_cast(const std::string& input, const std::string& name, const std::string& device, DType to) {
    proto::Node* cast = out_.add_node();
    cast->set_name(name);
    cast->set_op("Cast");
    cast->set_device(device);
    cast->add_input(input);
    proto::Attr* attr = cast->add_attr();
    *attr = attr_dtype(to);
    attr->set_name("to");
  }

  const Graph& graph_;
  std::vector<bool> bf16_;
  std::vector<std::string> names_;
  std::map<std::pair<std::string, DType>, std::string> casts_;
  proto::Graph out_;
};

}  // namespace

Graph to_mixed_bfloat16(const Graph& forward) { return MixedPrecision(forward).run(); }

namespace {

// Whether the kernel that will run node i comes from the library that defined its op, and so
// knows the op's float32-gradients attr: a plugin's kernel that outranks it may predate the attr.
bool kernel_knows_attrs(const Graph& graph, int i) {
  const KernelDef* kernel = KernelRegistry::global().runs(make_node_info(graph, i, DeviceName{}));
  return kernel != nullptr && kernel->library == graph.nodes[i].def->library;
}

}  // namespace

Graph float32_weight_gradients(const Graph& training, const std::string& kernel_label, int* rewritten) {
  if (rewritten != nullptr) *rewritten = 0;
  if (!kernel_label.empty()) return training;
  // Data readers only (not Graph::consumers, which adds control readers): a control reader reads
  // no dtype, so it does not stop the gradients from becoming float32.
  std::vector<std::vector<int>> readers(training.nodes.size());
  for (size_t i = 0; i < training.nodes.size(); ++i)
    for (const TensorRef& ref : training.nodes[i].inputs) readers[ref.node].push_back(static_cast<int>(i));
  auto cast_to_float32 = [&](int i) {
    const Node& node = training.nodes[i];
    return node.op == "Cast" && node.attrs.dtype("to") == DType::kFloat32;
  };
  std::set<int> producers, casts;
  for (size_t p = 0; p < training.nodes.size(); ++p) {
    const Node& node = training.nodes[p];
    if (node.def == nullptr || node.def->traits.float32_gradients_attr.empty() || readers[p].empty() ||
        training.info(node.inputs[0]).dtype != DType::kBFloat16 || !kernel_knows_attrs(training, static_cast<int>(p)) ||
        !std::all_of(readers[p].begin(), readers[p].end(), cast_to_float32))
      continue;
    producers.insert(static_cast<int>(p));
    casts.insert(readers[p].begin(), readers[p].end());
  }
  if (rewritten != nullptr) *rewritten = static_cast<int>(producers.size());
  if (producers.empty()) return training;
  proto::Graph out = to_proto(training);
  for (int p : producers) {
    const std::string& name = training.nodes[p].def->traits.float32_gradients_attr;
    for (proto::Attr& attr : *out.mutable_node(p)->mutable_attr())  // to_proto writes every attr, defaults too
      if (attr.name() == name) {
        attr = attr_bool(true);
        attr.set_name(name);
      }
  }
  for (int c : casts) {
    out.mutable_node(c)->set_op("Identity");
    out.mutable_node(c)->clear_attr();
  }
  BuildOptions options;
  options.batch_size = training.batch_size;
  return build_graph(out, options);
}

void require_bfloat16_cpu() {
  if (!cpu_supports(PeakKind::kBFloat16Dot))
    fail("--precision bf16 needs a CPU with the AVX512_BF16 instruction set (bfloat16 dot products), which this "
         "one lacks; use --precision fp32");
}

}  // namespace graphrun
