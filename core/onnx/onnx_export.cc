#include "core/onnx/onnx_export.h"

#include <fmt/ranges.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <set>

#include "core/graph_io.h"
#include "ops/common/pool_geometry.h"

namespace graphrun {

namespace {

using Dims = std::vector<int64_t>;

void set_ints(onnx::NodeProto& n, const std::string& name, const Dims& values) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}
void set_int(onnx::NodeProto& n, const std::string& name, int64_t value) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}
void set_float(onnx::NodeProto& n, const std::string& name, double value) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(static_cast<float>(value));
}
onnx::TensorProto::DataType onnx_type(DType dtype) {
  return dtype == DType::kFloat64 ? onnx::TensorProto::DOUBLE : onnx::TensorProto::FLOAT;
}

class Exporter {
 public:
  Exporter(const Graph& graph, const VariableStore& weights, const OnnxExportOptions& options)
      : g_(graph), weights_(weights), options_(options) {}

  int run(onnx::ModelProto& model);

 private:
  const Graph& g_;
  const VariableStore& weights_;
  OnnxExportOptions options_;
  onnx::GraphProto* out_ = nullptr;
  std::map<TensorRef, std::string> alias_;  // tensors left out (Dropout) -> what they pass on
  std::vector<std::string> problems_;

  std::string tensor(TensorRef ref) const {
    auto it = alias_.find(ref);
    return it != alias_.end() ? it->second : g_.tensor_name(ref);
  }
  onnx::NodeProto& add(const Node& node, const std::string& op, std::vector<std::string> inputs,
                       const std::string& name_suffix = "") {
    onnx::NodeProto& n = *out_->add_node();
    n.set_name(node.name + name_suffix);
    n.set_op_type(op);
    for (auto& in : inputs) n.add_input(in);
    if (name_suffix.empty()) n.add_output(node.name);
    return n;
  }
  std::vector<std::string> inputs_of(const Node& node) const {
    std::vector<std::string> names;
    for (const auto& ref : node.inputs) names.push_back(tensor(ref));
    return names;
  }
  onnx::TensorProto& initializer(const std::string& name, onnx::TensorProto::DataType type, const Dims& dims) {
    onnx::TensorProto& t = *out_->add_initializer();
    t.set_name(name);
    t.set_data_type(type);
    for (int64_t d : dims) t.add_dims(d);
    return t;
  }
  std::string int64_initializer(const std::string& name, const Dims& values) {
    onnx::TensorProto& t = initializer(name, onnx::TensorProto::INT64, {static_cast<int64_t>(values.size())});
    for (int64_t v : values) t.add_int64_data(v);
    return name;
  }
  // A constant input in the dtype of the tensor it meets (Clip's bounds, Pad's value, the
  // statistics of a BatchNormalization), as raw data like the weights.
  std::string float_initializer(const std::string& name, DType dtype, const Dims& dims, const std::vector<double>& values);
  void pool_window(const Node& node, onnx::NodeProto& n);
  void clip(const Node& node, const std::vector<std::string>& in);
  void pad(const Node& node, const std::vector<std::string>& in);
  void scale_shift(const Node& node, const std::vector<std::string>& in);
  void convert(const Node& node, int index);
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

std::string Exporter::float_initializer(const std::string& name, DType dtype, const Dims& dims,
                                        const std::vector<double>& values) {
  onnx::TensorProto& t = initializer(name, onnx_type(dtype), dims);
  if (dtype == DType::kFloat64) {
    t.set_raw_data(values.data(), values.size() * sizeof(double));
  } else {
    std::vector<float> narrow(values.begin(), values.end());
    t.set_raw_data(narrow.data(), narrow.size() * sizeof(float));
  }
  return name;
}

// Clip-13: the bounds are inputs (from opset 11 on), scalars of the input's type.
void Exporter::clip(const Node& node, const std::vector<std::string>& in) {
  const DType dtype = g_.info(node.inputs[0]).dtype;
  add(node, "Clip", {in[0], float_initializer(node.name + "/min", dtype, {}, {node.attrs.f("min")}),
                     float_initializer(node.name + "/max", dtype, {}, {node.attrs.f("max")})});
}

// Pad-13 in constant mode (its default): graphrun's pads already have ONNX's layout (all begins,
// then all ends); they and the value are inputs. A zero value is written as -0.0, equal to it in
// every comparison and sum: ONNX Runtime (1.17 to at least 1.31, its PadFusion) folds a Pad whose
// value's bytes are all zero into the MaxPool after it, which changes the result where a window's
// real values are all negative (a max pool's own padding is -inf, not 0).
void Exporter::pad(const Node& node, const std::vector<std::string>& in) {
  double value = node.attrs.f("value");
  if (value == 0) value = -0.0;
  add(node, "Pad", {in[0], int64_initializer(node.name + "/pads", node.attrs.ints("pads")),
                    float_initializer(node.name + "/value", g_.info(node.inputs[0]).dtype, {}, {value})});
}

// ScaleShift (y = x * scale + shift per channel, axis 1) as BatchNormalization, which computes
// (x - mean) / sqrt(var + epsilon) * scale + B: with mean 0, var 1 and epsilon 0 that is exactly
// x * scale + B. The schema puts no bound on epsilon, and the variance keeps the root positive.
void Exporter::scale_shift(const Node& node, const std::vector<std::string>& in) {
  const TensorInfo& x = g_.info(node.inputs[0]);
  const int64_t channels = x.shape[1];
  auto& n = add(node, "BatchNormalization",
                {in[0], in[1], in[2],
                 float_initializer(node.name + "/mean", x.dtype, {channels}, std::vector<double>(channels, 0.0)),
                 float_initializer(node.name + "/var", x.dtype, {channels}, std::vector<double>(channels, 1.0))});
  set_float(n, "epsilon", 0.0);
}

void Exporter::pool_window(const Node& node, onnx::NodeProto& n) {
  pool::Geometry geo = pool::geometry(node.attrs, g_.info(node.inputs[0]).shape);
  for (int d = 0; d < 2; ++d) {
    // ONNX 1.12's ceil rule keeps a last window that starts in the padding; graphrun's drops it.
    int64_t span = geo.in[d] + 2 * geo.pad[d] - geo.kernel[d];
    int64_t onnx_out = (geo.ceil_mode ? (span + geo.stride[d] - 1) / geo.stride[d] : span / geo.stride[d]) + 1;
    if (onnx_out != geo.out[d])
      fail("{} '{}': its ceil_mode output size {} differs from ONNX's {} (a last window starts in the padding)",
           node.op, node.name, geo.out[d], onnx_out);
  }
  set_ints(n, "kernel_shape", {geo.kernel[0], geo.kernel[1]});
  set_ints(n, "strides", {geo.stride[0], geo.stride[1]});
  set_ints(n, "pads", {geo.pad[0], geo.pad[1], geo.pad[0], geo.pad[1]});
  if (geo.ceil_mode) set_int(n, "ceil_mode", 1);
}

void Exporter::convert(const Node& node, int index) {
  const std::string& op = node.op;
  std::vector<std::string> in = inputs_of(node);
  if (op == "Placeholder" || op == "Variable") return;  // graph inputs and initializers
  if (op == "Dropout") {  // the identity at inference: left out
    alias_[{index, 0}] = in[0];
  } else if (op == "Conv2D") {
    auto& n = add(node, "Conv", in);
    Dims pad = node.attrs.ints("pad");
    set_ints(n, "kernel_shape", node.attrs.ints("kernel"));
    set_ints(n, "strides", node.attrs.ints("stride"));
    set_ints(n, "pads", {pad[0], pad[1], pad[0], pad[1]});
    set_ints(n, "dilations", node.attrs.ints("dilation"));
    set_int(n, "group", node.attrs.i("groups"));
  } else if (op == "Dense") {
    auto& n = add(node, "Gemm", in);  // W is [out, in]: transB = 1
    set_int(n, "transB", 1);
  } else if (op == "Relu" || op == "Sigmoid" || op == "Tanh" || op == "Identity" || op == "Add" || op == "Mul" ||
             op == "Concat" || op == "Softmax") {  // Add and Mul: same shapes, so ONNX's broadcast does nothing
    auto& n = add(node, op, in);
    if (op == "Concat" || op == "Softmax") set_int(n, "axis", node.attrs.i("axis"));
  } else if (op == "LeakyRelu") {
    set_float(add(node, "LeakyRelu", in), "alpha", node.attrs.f("alpha"));
  } else if (op == "Clip") {
    clip(node, in);
  } else if (op == "Pad") {
    pad(node, in);
  } else if (op == "ScaleShift") {
    scale_shift(node, in);
  } else if (op == "StopGradient") {
    add(node, "Identity", in);
  } else if (op == "AddN") {
    add(node, "Sum", in);
  } else if (op == "MaxPool") {
    pool_window(node, add(node, "MaxPool", in));
  } else if (op == "AvgPool") {
    auto& n = add(node, "AveragePool", in);
    pool_window(node, n);
    set_int(n, "count_include_pad", node.attrs.b("count_include_pad") ? 1 : 0);
  } else if (op == "LRN") {
    const int64_t groups = node.attrs.i("groups");
    auto lrn = [&](onnx::NodeProto& n) {
      set_int(n, "size", node.attrs.i("size"));
      set_float(n, "alpha", node.attrs.f("alpha"));  // divided by size in both conventions
      set_float(n, "beta", node.attrs.f("beta"));
      set_float(n, "bias", node.attrs.f("bias"));
    };
    if (groups == 1) {
      lrn(add(node, "LRN", in));
    } else {  // ONNX's LRN has no channel groups: one LRN per group, joined again
      auto& split = add(node, "Split", in, "/split");
      set_int(split, "axis", 1);
      std::vector<std::string> parts;
      for (int64_t k = 0; k < groups; ++k) {
        split.add_output(fmt::format("{}/split:{}", node.name, k));
        auto& n = add(node, "LRN", {split.output(k)}, fmt::format("/lrn{}", k));
        n.add_output(fmt::format("{}/lrn{}", node.name, k));
        lrn(n);
        parts.push_back(n.output(0));
      }
      auto& concat = *out_->add_node();
      concat.set_name(node.name);
      concat.set_op_type("Concat");
      for (auto& p : parts) concat.add_input(p);
      concat.add_output(node.name);
      set_int(concat, "axis", 1);
    }
  } else if (op == "Flatten") {
    int64_t rank = g_.info(node.inputs[0]).shape.rank(), axis = node.attrs.i("axis");
    if (axis < 0) axis += rank;
    if (axis != 1 && axis + 1 != rank) fail("Flatten '{}': axis {} of a rank-{} input has no ONNX Flatten form", node.name, axis, rank);
    set_int(add(node, "Flatten", in), "axis", axis);
  } else if (op == "Reshape") {
    Shape target = node.attrs.shape("shape");
    add(node, "Reshape", {in[0], int64_initializer(node.name + "/shape", target.dims())});
  } else if (op == "Split") {
    auto& n = add(node, "Split", in);
    n.clear_output();
    for (int k = 0; k < node.attrs.i("num_split"); ++k) n.add_output(g_.tensor_name({index, k}));
    set_int(n, "axis", node.attrs.i("axis"));
  } else {
    problems_.push_back(fmt::format("'{}' ({})", node.name, op));
  }
}

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

  // The inference outputs: the graph's sinks but a loss (and what only it reads: the labels).
  std::vector<int> outputs;
  for (int i : g_.sinks()) {
    const Node& n = g_.nodes[i];
    if (n.op == "SoftmaxCrossEntropy") outputs.push_back(n.inputs[0].node);
    else if (n.op != "Placeholder" && n.op != "Variable") outputs.push_back(i);
  }
  if (outputs.empty()) fail("graph '{}' has no outputs to export", g_.name);
  std::vector<bool> needed = g_.ancestors_of_nodes(outputs);

  // Which output dims follow the batch: those that change when it does.
  Graph other = g_;
  other.rebind_batch(g_.batch_size + 1);
  auto batched = [&](TensorRef ref) {
    Dims dims;
    for (int d = 0; d < g_.info(ref).shape.rank(); ++d)
      if (g_.info(ref).shape[d] != other.info(ref).shape[d]) dims.push_back(d);
    return dims;
  };

  int written = 0;
  for (int i = 0; i < static_cast<int>(g_.nodes.size()); ++i) {
    if (!needed[i]) continue;
    const Node& node = g_.nodes[i];
    if (node.op == "Placeholder") {
      value_info(*out_->add_input(), node.name, node.outputs[0], batched({i, 0}));
    } else if (node.op == "Variable") {
      Tensor value = weights_.logical_value(g_, node.name);
      onnx::TensorProto& t = initializer(node.name, onnx_type(value.dtype()), value.shape().dims());
      t.set_raw_data(value.raw(), value.bytes());  // little-endian, as ONNX's raw_data
    }
    int before = out_->node_size();
    convert(node, i);
    written += out_->node_size() - before;
  }
  if (!problems_.empty())
    fail("graph '{}': {} node{} without an ONNX equivalent in graphrun's exporter: {} (it writes Conv2D, Dense, Relu, "
         "LeakyRelu, Sigmoid, Tanh, Clip, MaxPool, AvgPool, LRN, Flatten, Reshape, Pad, Softmax, Concat, Split, Add, "
         "AddN, Mul, ScaleShift, Identity, StopGradient; Dropout is left out)",
         g_.name, problems_.size(), problems_.size() == 1 ? "" : "s", fmt::join(problems_, ", "));
  for (int i : outputs) {
    std::string name = tensor({i, 0});
    value_info(*out_->add_output(), name, g_.nodes[i].outputs[0], batched({i, 0}));
  }
  return written;
}

}  // namespace

int export_onnx(const Graph& graph, const VariableStore& weights, const std::string& path,
                const OnnxExportOptions& options) {
  onnx::ModelProto model;
  int written = Exporter(graph, weights, options).run(model);
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
