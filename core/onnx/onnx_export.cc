// The export walk: the inference part of the graph (what the model's outputs need), each node
// written by its op's export converter (ops/<op>/<op>_onnx.cc, found in OnnxConverterRegistry),
// then ONNX's checker. Which nodes are graph inputs, initializers, left out at inference or
// stand for their logits (a loss) the converters declare; this file names no op.
#include "core/onnx/onnx_export.h"

#include <fmt/ranges.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <optional>

#include "core/graph_io.h"
#include "core/onnx/onnx_registry.h"

namespace graphrun {

namespace onnx_export {

using Dims = std::vector<int64_t>;

class Exporter {
 public:
  Exporter(const Graph& graph, const VariableStore& weights, const OnnxExportOptions& options)
      : g_(graph), weights_(weights), options_(options) {}

  int run(onnx::ModelProto& model);

  // --- what ExportNode uses ---
  const Graph& g_;
  const VariableStore& weights_;
  OnnxExportOptions options_;
  std::optional<Graph> other_;  // the graph at another batch size: which dims follow the batch
  onnx::GraphProto* out_ = nullptr;
  std::map<TensorRef, std::string> alias_;  // outputs of nodes left out -> what they pass on
  std::map<std::string, int> domains_;      // opset_import of other domains than ONNX's
  std::vector<std::string> problems_;

  std::string tensor(TensorRef ref) const {
    auto it = alias_.find(ref);
    return it != alias_.end() ? it->second : g_.tensor_name(ref);
  }
  onnx::TensorProto& initializer(const std::string& name, onnx::TensorProto::DataType type, const Dims& dims) {
    onnx::TensorProto& t = *out_->add_initializer();
    t.set_name(name);
    t.set_data_type(type);
    for (int64_t d : dims) t.add_dims(d);
    return t;
  }
  // Which dims of a tensor follow the batch: those that change when it does.
  Dims batched(TensorRef ref) const {
    Dims dims;
    for (int d = 0; d < g_.info(ref).shape.rank(); ++d)
      if (g_.info(ref).shape[d] != other_->info(ref).shape[d]) dims.push_back(d);
    return dims;
  }
  void value_info(onnx::ValueInfoProto& info, const std::string& name, const TensorInfo& t, const Dims& batch_dims);
};

void Exporter::value_info(onnx::ValueInfoProto& info, const std::string& name, const TensorInfo& t,
                          const Dims& batched) {
  info.set_name(name);
  auto* type = info.mutable_type()->mutable_tensor_type();
  type->set_elem_type(onnx_type(t.dtype));
  auto* shape = type->mutable_shape();
  for (int d = 0; d < t.shape.rank(); ++d) {
    auto* dim = shape->add_dim();
    if (std::find(batched.begin(), batched.end(), d) != batched.end()) dim->set_dim_param("batch");
    else dim->set_dim_value(t.shape[d]);
  }
}

// --- ExportNode -------------------------------------------------------------------------------

std::vector<std::string> ExportNode::inputs() const {
  std::vector<std::string> names;
  for (const auto& ref : node().inputs) names.push_back(x_.tensor(ref));
  return names;
}

std::string ExportNode::output(int k) const { return g_.tensor_name({index_, k}); }

onnx::NodeProto& ExportNode::add(const std::string& op_type, const std::vector<std::string>& inputs,
                                 const std::string& name_suffix) {
  onnx::NodeProto& n = *x_.out_->add_node();
  n.set_name(node().name + name_suffix);
  n.set_op_type(op_type);
  for (auto& in : inputs) n.add_input(in);
  if (name_suffix.empty()) n.add_output(node().name);
  return n;
}

void ExportNode::use_domain(onnx::NodeProto& n, const std::string& domain, int version) {
  n.set_domain(domain);
  int& v = x_.domains_[domain];
  v = std::max(v, version);
}

std::string ExportNode::int64_initializer(const std::string& name, const Dims& values) {
  onnx::TensorProto& t = x_.initializer(name, onnx::TensorProto::INT64, {static_cast<int64_t>(values.size())});
  for (int64_t v : values) t.add_int64_data(v);
  return name;
}

std::string ExportNode::float_initializer(const std::string& name, DType dtype, const Dims& dims,
                                          const std::vector<double>& values) {
  onnx::TensorProto& t = x_.initializer(name, onnx_type(dtype), dims);
  if (dtype == DType::kFloat64) {
    t.set_raw_data(values.data(), values.size() * sizeof(double));
  } else {
    std::vector<float> narrow(values.begin(), values.end());
    t.set_raw_data(narrow.data(), narrow.size() * sizeof(float));
  }
  return name;
}

void ExportNode::pass_through(int input) { x_.alias_[{index_, 0}] = x_.tensor(node().inputs.at(input)); }

void ExportNode::graph_input() {
  x_.value_info(*x_.out_->add_input(), node().name, node().outputs[0], x_.batched({index_, 0}));
}

void ExportNode::initializer() {
  Tensor value = x_.weights_.logical_value(g_, node().name);
  onnx::TensorProto& t = x_.initializer(node().name, onnx_type(value.dtype()), value.shape().dims());
  t.set_raw_data(value.raw(), value.bytes());  // little-endian, as ONNX's raw_data
}

// --- the walk ---------------------------------------------------------------------------------

int Exporter::run(onnx::ModelProto& model) {
  if (options_.opset < 13 || options_.opset > 17) fail("--opset {}: graphrun writes opsets 13 to 17", options_.opset);
  model.set_ir_version(options_.opset <= 14 ? 7 : 8);
  model.set_producer_name("graphrun");
  model.set_producer_version(GRAPHRUN_VERSION);
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(options_.opset);
  out_ = model.mutable_graph();
  out_->set_name(g_.name);
  const OnnxConverterRegistry& registry = OnnxConverterRegistry::global();

  // The inference outputs: the graph's sinks, a loss standing for its logits (and what only it
  // reads, the labels, left out), graph inputs and weights nothing reads not outputs.
  std::vector<int> outputs;
  for (int i : g_.sinks()) {
    const Node& n = g_.nodes[i];
    const onnx_export::ExportConverter* c = registry.find_export(n.op);
    if (c && c->inference_output_from_input >= 0) outputs.push_back(n.inputs.at(c->inference_output_from_input).node);
    else if (!c || !c->source) outputs.push_back(i);
  }
  if (outputs.empty()) fail("graph '{}' has no outputs to export", g_.name);
  std::vector<bool> needed = g_.ancestors_of_nodes(outputs);
  other_.emplace(g_);
  other_->rebind_batch(g_.batch_size + 1);

  int written = 0;
  for (int i = 0; i < static_cast<int>(g_.nodes.size()); ++i) {
    if (!needed[i]) continue;
    const Node& node = g_.nodes[i];
    const onnx_export::ExportConverter* c = registry.find_export(node.op);
    if (!c || !c->convert) {
      problems_.push_back(fmt::format("'{}' ({})", node.name, node.op));
      continue;
    }
    int before = out_->node_size();
    ExportNode n(*this, g_, i);
    c->convert(n);
    written += out_->node_size() - before;
  }
  if (!problems_.empty()) {
    std::vector<std::string> writes;
    for (const std::string& op : registry.exported_ops())
      if (!registry.find_export(op)->source && registry.find_export(op)->convert) writes.push_back(op);
    fail("graph '{}': {} node{} without an ONNX equivalent in graphrun's exporter: {} (it exports {})", g_.name,
         problems_.size(), problems_.size() == 1 ? "" : "s", fmt::join(problems_, ", "), fmt::join(writes, ", "));
  }
  for (const auto& [domain, version] : domains_) {
    auto* other = model.add_opset_import();
    other->set_domain(domain);
    other->set_version(version);
  }
  for (int i : outputs) {
    std::string name = tensor({i, 0});
    value_info(*out_->add_output(), name, g_.nodes[i].outputs[0], batched({i, 0}));
  }
  return written;
}

}  // namespace onnx_export

int export_onnx(const Graph& graph, const VariableStore& weights, const std::string& path,
                const OnnxExportOptions& options) {
  onnx::ModelProto model;
  int written = onnx_export::Exporter(graph, weights, options).run(model);
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    fail("graph '{}': the exported model fails ONNX's checker: {}", graph.name, e.what());
  }
  if (model.ByteSizeLong() >= (size_t{1} << 31))
    fail("graph '{}': the model is {} bytes, over protobuf's 2 GB limit for one ONNX file", graph.name, model.ByteSizeLong());
  std::string bytes;
  if (!model.SerializeToString(&bytes)) fail("cannot serialize the ONNX model of graph '{}'", graph.name);
  write_file_atomically(path, bytes);
  return written;
}

}  // namespace graphrun
