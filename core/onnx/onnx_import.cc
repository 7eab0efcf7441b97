// Walks an ONNX model into a proto::Graph: the model is read (external data confined to the
// model's folder), its opset checked, its shapes inferred by ONNX's own shape inference, every
// node's op resolved to a version through ONNX's schema registry (as ONNX Runtime does), and
// each node handed to its converter (registered by its op's folder: core/onnx/onnx_registry.h).
// Problems are collected over all nodes and reported in one error.
#include "core/onnx/onnx_import.h"

#include <fmt/ranges.h>
#include <fcntl.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <functional>
#include <filesystem>
#include <fstream>

#include "core/graph_io.h"
#include "core/onnx/onnx_importer.h"
#include "core/onnx/onnx_registry.h"
#include "core/onnx/onnx_tensor.h"

namespace graphrun {

namespace onnx_import {

constexpr int kMinOpset = 7, kMaxOpset = 17;

std::string sanitize(const std::string& name) {
  std::string out = name;
  for (char& c : out)
    if (c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '"' || c == '\'') c = '_';
  return out.empty() ? "_" : out;
}

proto::Attr& add_attr(proto::Node& node, const std::string& name) {
  proto::Attr* a = node.add_attr();
  a->set_name(name);
  return *a;
}

proto::Attr& ints_attr(proto::Node& node, const std::string& name, const std::vector<int64_t>& values) {
  proto::Attr& a = add_attr(node, name);
  for (int64_t v : values) a.mutable_ints()->add_v(v);
  return a;
}

class Importer {
 public:
  Importer(std::string path) : path_(std::move(path)) {}

  proto::Graph run();

  // --- state the converters read through OnnxNode ---
  std::string path_;
  onnx::ModelProto model_;
  int opset_ = 0;
  std::map<std::string, int> domain_versions_;  // opset_import of other domains than ONNX's
  std::map<std::string, onnx::TensorProto*> initializers_;
  std::map<std::string, const onnx::TensorProto*> float_consts_;  // initializers and Constant nodes
  std::map<std::string, IntConst> int_consts_;
  std::map<std::string, std::vector<int64_t>> dims_;
  std::map<std::string, std::string> refs_;        // ONNX tensor -> graphrun tensor
  std::map<std::string, std::string> variables_;   // ONNX tensor (+ "^T") -> Variable node
  std::set<std::string> consumed_, names_;
  std::map<std::string, int> readers_;             // ONNX tensor -> nodes reading it (+ graph outputs)
  std::deque<onnx::TensorProto> owned_;            // Constant node values (stable addresses)
  std::map<std::string, std::vector<int64_t>> folded_pads_;  // Pad output -> its [t, l, b, r]
  proto::Graph out_;
  std::string batch_param_;
  bool batch_fixed_ = false;
  std::string inference_error_;
  const onnx::NodeProto* current_ = nullptr;
  std::string current_name_;
  int emitted_ = 0;

  std::string unique_name(const std::string& wanted) {
    std::string base = sanitize(wanted), name = base;
    for (int k = 1; names_.count(name); ++k) name = fmt::format("{}_{}", base, k);
    names_.insert(name);
    return name;
  }
  std::string variable(const std::string& tensor, bool transpose, bool trainable);
  std::string add_variable(const std::string& wanted_name, proto::Tensor value, bool trainable);

 private:
  void read_model();
  void check_inputs();
  void infer_shapes();
  void record_dims(const onnx::ValueInfoProto& info);
  bool materialize_folded_inputs(onnx::NodeProto& node);
  std::string node_name(const onnx::NodeProto& node, int index) const;
  bool resolve(const onnx::NodeProto& node, const std::string& domain, std::string& where, int& version,
               const OpSupport*& support, std::vector<std::string>& problems) const;
};

// The node's op version and converter: ONNX's own ops resolve through ONNX's schema registry (as
// ONNX Runtime does); another domain's (a plugin op's) to the newest since-version its converter
// declares at the model's version of that domain. Says why not into `problems`.
bool Importer::resolve(const onnx::NodeProto& node, const std::string& domain, std::string& where, int& version,
                       const OpSupport*& support, std::vector<std::string>& problems) const {
  const OnnxConverterRegistry& registry = OnnxConverterRegistry::global();
  if (domain == "ai.onnx") {
    const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(node.op_type(), opset_, "");
    if (!schema) {
      problems.push_back(fmt::format("{}, model opset {}): not an ONNX op at this opset", where, opset_));
      return false;
    }
    version = schema->since_version();
    where += fmt::format(", model opset {} resolves to {}-{})", opset_, node.op_type(), version);
  } else {
    auto imported = domain_versions_.find(domain);
    if (!registry.knows_domain(domain) || imported == domain_versions_.end()) {
      problems.push_back(fmt::format("{}, model opset {}): unknown domain", where, opset_));
      return false;
    }
    const OpSupport* s = registry.find_import(domain, node.op_type());
    for (int v : s ? s->versions : std::vector<int>{})
      if (v <= imported->second) version = std::max(version, v);
    where += s ? fmt::format(", domain version {} resolves to {}-{})", imported->second, node.op_type(), version)
               : fmt::format(", domain version {})", imported->second);
  }
  support = registry.find_import(domain, node.op_type());
  if (!support) {
    problems.push_back(where + ": graphrun has no equivalent of this op");
    return false;
  }
  if (std::find(support->versions.begin(), support->versions.end(), version) == support->versions.end()) {
    problems.push_back(fmt::format("{}: version {} is not supported (supported: {})", where, version,
                                   fmt::join(support->versions, ", ")));
    return false;
  }
  return true;
}

void Importer::read_model() {
  // Parsed straight from the file: no copy of its bytes beside the model (VGG-16's is 553 MB).
  std::error_code ec;
  if (std::filesystem::is_directory(path_, ec)) fail("'{}' is a directory, not a file", path_);
  int fd = ::open(path_.c_str(), O_RDONLY);
  if (fd < 0) fail("cannot open '{}': {}", path_, std::strerror(errno));
  google::protobuf::io::FileInputStream stream(fd);
  stream.SetCloseOnDelete(true);
  if (!model_.ParseFromZeroCopyStream(&stream))
    fail("{}: {}", path_, stream.GetErrno() ? fmt::format("cannot read: {}", std::strerror(stream.GetErrno()))
                                            : std::string("not an ONNX model (protobuf parse failed)"));
  if (!model_.has_graph() || model_.graph().node_size() == 0) fail("{}: the ONNX model has no graph nodes", path_);
  bool found = false;
  for (const auto& op : model_.opset_import())
    if (op.domain().empty() || op.domain() == "ai.onnx") opset_ = static_cast<int>(op.version()), found = true;
    else domain_versions_[op.domain()] = static_cast<int>(op.version());
  if (!found) opset_ = 1;  // ONNX's rule: no default-domain import means opset 1
  if (opset_ < kMinOpset || opset_ > kMaxOpset)
    fail("{}: the model's opset is {}; graphrun reads opsets {} to {} (re-export at an opset in that window, or "
         "convert it with onnx.version_converter.convert_version)",
         path_, opset_, kMinOpset, kMaxOpset);
  std::filesystem::path folder = std::filesystem::path(path_).parent_path();
  for (auto& t : *model_.mutable_graph()->mutable_initializer()) {
    load_external_data(t, folder, path_);
    initializers_[t.name()] = &t;
    float_consts_[t.name()] = &t;
    if (auto ints = decode_ints(t)) int_consts_[t.name()] = IntConst{ints->first, ints->second};
  }
}

// Only the batch (the first dimension of a data input) may be dynamic: a model exported
// without dynamic axes gets its fixed first dimension made the batch, as graphrun's graphs have it.
void Importer::check_inputs() {
  for (auto& input : *model_.mutable_graph()->mutable_input()) {
    if (initializers_.count(input.name())) continue;  // older exporters repeat initializers as inputs
    if (!input.type().has_tensor_type()) fail("{}: input '{}' is not a tensor", path_, input.name());
    auto* shape = input.mutable_type()->mutable_tensor_type()->mutable_shape();
    for (int d = 0; d < shape->dim_size(); ++d) {
      auto* dim = shape->mutable_dim(d);
      if (d == 0) {
        if (dim->has_dim_param() && !batch_param_.empty() && dim->dim_param() != batch_param_)
          fail("{}: inputs '{}' and another name different batch dimensions ('{}', '{}')", path_, input.name(),
               dim->dim_param(), batch_param_);
        if (batch_param_.empty()) {
          batch_param_ = dim->has_dim_param() ? dim->dim_param() : "batch";
          batch_fixed_ = !dim->has_dim_param();
        }
        dim->set_dim_param(batch_param_);
      } else if (!dim->has_dim_value()) {
        fail("{}: input '{}' has a dynamic dimension {} ('{}'); only the batch (dimension 0) may be dynamic: "
             "re-export with a fixed size there",
             path_, input.name(), d, dim->dim_param());
      }
    }
  }
}

void Importer::record_dims(const onnx::ValueInfoProto& info) {
  if (!info.type().has_tensor_type() || !info.type().tensor_type().has_shape()) return;
  std::vector<int64_t> dims;
  for (const auto& dim : info.type().tensor_type().shape().dim()) {
    if (dim.has_dim_value()) dims.push_back(dim.dim_value());
    else if (dim.has_dim_param() && dim.dim_param() == batch_param_) dims.push_back(kBatch);
    else dims.push_back(kUnknown);
  }
  // A second inference (after folding) keeps what is known: converters set some dims themselves
  // (a Pad folded into its reader stands for its unpadded input).
  auto known = dims_.find(info.name());
  if (known != dims_.end() && std::count(known->second.begin(), known->second.end(), kUnknown) == 0) return;
  dims_[info.name()] = std::move(dims);
}

// ONNX's shape inference knows initializers and Constant nodes, not the integer values graphrun
// folds (PyTorch's F.pad computes its pads with a dozen ops): where a node reads such a value and
// its outputs' shapes are unknown, the value becomes an initializer of the model and the shapes
// are inferred again, so the nodes downstream get theirs.
bool Importer::materialize_folded_inputs(onnx::NodeProto& node) {
  auto unknown = [&](const std::string& name) {
    auto it = dims_.find(name);
    return it == dims_.end() || std::count(it->second.begin(), it->second.end(), kUnknown) != 0;
  };
  if (std::none_of(node.output().begin(), node.output().end(), unknown)) return false;
  bool changed = false;
  for (auto& input : *node.mutable_input()) {
    auto value = int_consts_.find(input);
    if (value == int_consts_.end() || initializers_.count(input)) continue;
    onnx::TensorProto& t = *model_.mutable_graph()->add_initializer();
    t.set_name(input + "/graphrun_folded");
    t.set_data_type(onnx::TensorProto::INT64);
    for (int64_t d : value->second.dims) t.add_dims(d);
    for (int64_t v : value->second.values) t.add_int64_data(v);
    int_consts_[t.name()] = value->second;
    input = t.name();
    changed = true;
  }
  return changed;
}

void Importer::infer_shapes() {
  // A failure (an op of an unknown domain, say) is not the end: the nodes it leaves without
  // shapes are refused by name, with the rest of the problems.
  try {
    onnx::shape_inference::InferShapes(model_);
  } catch (const std::exception& e) {
    inference_error_ = e.what();
  }
  for (const auto& v : model_.graph().input()) record_dims(v);
  for (const auto& v : model_.graph().value_info()) record_dims(v);
  for (const auto& v : model_.graph().output()) record_dims(v);
  for (const auto& t : model_.graph().initializer())
    dims_[t.name()] = std::vector<int64_t>(t.dims().begin(), t.dims().end());
}

std::string Importer::node_name(const onnx::NodeProto& node, int index) const {
  for (const auto& out : model_.graph().output())
    if (node.output_size() > 0 && out.name() == node.output(0)) return out.name();
  return node.name().empty() ? fmt::format("{}_{}", node.op_type(), index) : node.name();
}

std::string Importer::variable(const std::string& tensor, bool transpose, bool trainable) {
  std::string key = transpose ? tensor + "^T" : tensor;
  auto it = variables_.find(key);
  if (it != variables_.end()) return it->second;
  auto c = float_consts_.find(tensor);
  if (c == float_consts_.end()) refuse("'{}' must be an initializer (a weight known at load time)", tensor);
  // An initializer only this node reads gives its bytes up (the model's copy is not read again).
  auto original = initializers_.find(tensor);
  const bool sole = readers_[tensor] == 1 && original != initializers_.end() && original->second->name() == tensor;
  proto::Tensor value = sole ? take_float_tensor(*original->second, path_) : float_tensor(*c->second, path_);
  if (transpose) value = transposed(value);
  variables_[key] = add_variable(transpose ? tensor + "_T" : tensor, std::move(value), trainable);
  return variables_[key];
}

std::string Importer::add_variable(const std::string& wanted_name, proto::Tensor value, bool trainable) {
  proto::Node& var = *out_.add_node();
  var.set_name(unique_name(wanted_name));
  var.set_op("Variable");
  auto* shape = add_attr(var, "shape").mutable_shape();
  for (int64_t d : value.shape().dim()) shape->add_dim(d);
  if (value.shape().dim_size() == 0) shape->add_dim(1);  // a scalar weight as [1]
  add_attr(var, "dtype").set_dtype(value.dtype());
  if (!trainable) add_attr(var, "trainable").set_b(false);
  *add_attr(var, "value").mutable_tensor() = std::move(value);
  return var.name();
}

const std::map<std::string, OpSupport>& converters() { return OnnxConverterRegistry::global().imports(""); }

std::string supported_list() { return fmt::format("{}", fmt::join(onnx_supported_ops(), " ")); }

proto::Graph Importer::run() {
  read_model();
  check_inputs();
  infer_shapes();
  const auto& g = model_.graph();
  out_.set_name(sanitize(g.name().empty() ? std::filesystem::path(path_).stem().string() : g.name()));
  out_.set_doc(fmt::format("imported from ONNX '{}' (opset {}, producer {} {})",
                           std::filesystem::path(path_).filename().string(), opset_, model_.producer_name(),
                           model_.producer_version()));
  for (const auto& node : g.node())
    for (const auto& in : node.input()) ++readers_[in];
  for (const auto& out : g.output()) ++readers_[out.name()];

  for (const auto& input : g.input()) {
    if (initializers_.count(input.name())) continue;
    proto::Node& ph = *out_.add_node();
    ph.set_name(unique_name(input.name()));
    ph.set_op("Placeholder");
    int elem = input.type().tensor_type().elem_type();
    if (elem != onnx::TensorProto::FLOAT && elem != onnx::TensorProto::DOUBLE)
      fail("{}: input '{}' has element type {}; graphrun's inputs here are float32 or float64", path_, input.name(),
           onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(elem)));
    auto* shape = add_attr(ph, "shape").mutable_shape();
    for (int64_t d : dims_.at(input.name())) shape->add_dim(d);
    add_attr(ph, "dtype").set_dtype(elem == onnx::TensorProto::FLOAT ? proto::DT_FLOAT : proto::DT_DOUBLE);
    refs_[input.name()] = ph.name();
  }

  std::vector<std::string> problems;
  std::set<std::string> poisoned;  // outputs of refused nodes
  for (int index = 0; index < g.node_size(); ++index) {
    const onnx::NodeProto& node = g.node(index);
    // A node downstream of a refused one is checked for its op and version only: what its
    // converter would say follows from the refusal upstream.
    auto poison = [&] {
      for (const auto& out : node.output()) poisoned.insert(out);
    };
    const bool downstream =
        std::any_of(node.input().begin(), node.input().end(), [&](const std::string& in) { return poisoned.count(in) != 0; });
    size_t reported = problems.size();
    struct PoisonIfReported {
      std::function<void()> f;
      ~PoisonIfReported() { f(); }
    } guard{[&] {
      if (problems.size() > reported) poison();
    }};
    std::string domain = node.domain().empty() ? "ai.onnx" : node.domain();
    std::string where = fmt::format("node {} '{}' ({}, domain {}", index, node.name(), node.op_type(), domain);
    int version = 0;
    const OpSupport* support = nullptr;
    if (!resolve(node, domain, where, version, support, problems)) continue;
    if (downstream) {
      poison();
      continue;
    }
    if (materialize_folded_inputs(*model_.mutable_graph()->mutable_node(index))) infer_shapes();
    current_ = &node;
    current_name_ = node_name(node, index);
    emitted_ = 0;
    try {
      OnnxNode n(*this, node, version);
      support->convert(n);
    } catch (const Error& e) {
      problems.push_back(fmt::format("{}: {}", where, e.what()));
    }
  }
  if (!problems.empty())
    fail("{}: {} node{} graphrun cannot import: {}. Supported ops (opsets {}-{}): {}", path_, problems.size(),
         problems.size() == 1 ? "" : "s", fmt::join(problems, "; "), kMinOpset, kMaxOpset, supported_list());
  for (const auto& out : g.output()) {
    if (refs_.count(out.name())) continue;
    // A float value known at load time (a Constant as output) is a constant of the graph.
    if (float_consts_.count(out.name())) refs_[out.name()] = variable(out.name(), false, /*trainable=*/false);
    else fail("{}: graph output '{}' is an integer value known at load time, not computed by the graph", path_, out.name());
  }
  return std::move(out_);
}

}  // namespace onnx_import

using namespace onnx_import;

// --- OnnxNode -------------------------------------------------------------------------------

namespace onnx_import {

namespace {
const onnx::AttributeProto* find_attr(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}
}  // namespace

bool OnnxNode::has_attr(const std::string& name) const { return find_attr(node_, name) != nullptr; }
int64_t OnnxNode::i(const std::string& name, int64_t fallback) const {
  auto* a = find_attr(node_, name);
  return a ? a->i() : fallback;
}
float OnnxNode::f(const std::string& name, float fallback) const {
  auto* a = find_attr(node_, name);
  return a ? a->f() : fallback;
}
std::string OnnxNode::s(const std::string& name, const std::string& fallback) const {
  auto* a = find_attr(node_, name);
  return a ? a->s() : fallback;
}
std::vector<int64_t> OnnxNode::ints(const std::string& name, std::vector<int64_t> fallback) const {
  auto* a = find_attr(node_, name);
  return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : fallback;
}
const onnx::TensorProto* OnnxNode::tensor_attr(const std::string& name) const {
  auto* a = find_attr(node_, name);
  return a && a->has_t() ? &a->t() : nullptr;
}

bool OnnxNode::output_used(int k) const {
  if (k >= node_.output_size() || node_.output(k).empty()) return false;
  auto it = im_.readers_.find(node_.output(k));
  return it != im_.readers_.end() && it->second > 0;
}

std::string OnnxNode::data(int k) {
  if (!has_input(k)) refuse("input {} is missing", k);
  const std::string& name = node_.input(k);
  auto it = im_.refs_.find(name);
  if (it != im_.refs_.end()) return it->second;
  if (im_.float_consts_.count(name)) {
    bool trainable = im_.initializers_.count(name) != 0;
    std::string var = im_.variable(name, false, trainable);
    return var;
  }
  if (im_.int_consts_.count(name)) refuse("input {} '{}' is an integer value graphrun computes only at load time", k, name);
  refuse("input {} '{}' is not produced by any node graphrun imported", k, name);
}

std::string OnnxNode::weight(int k, bool transpose) {
  if (!has_input(k)) refuse("input {} is missing", k);
  return im_.variable(node_.input(k), transpose, im_.initializers_.count(node_.input(k)) != 0);
}

const onnx::TensorProto* OnnxNode::float_const(int k) const {
  if (!has_input(k)) return nullptr;
  auto it = im_.float_consts_.find(node_.input(k));
  return it == im_.float_consts_.end() ? nullptr : it->second;
}

std::optional<IntConst> OnnxNode::int_const(int k) const {
  if (!has_input(k)) return std::nullopt;
  auto it = im_.int_consts_.find(node_.input(k));
  if (it == im_.int_consts_.end()) return std::nullopt;
  return it->second;
}

std::vector<int64_t> OnnxNode::dims(int k) const {
  if (!has_input(k)) refuse("input {} is missing", k);
  auto it = im_.dims_.find(node_.input(k));
  if (it == im_.dims_.end())
    refuse("ONNX shape inference gave no shape for input {} '{}'{}", k, node_.input(k),
           im_.inference_error_.empty() ? "" : " (" + im_.inference_error_ + ")");
  return it->second;
}

std::vector<int64_t> OnnxNode::static_dims(int k) const {
  std::vector<int64_t> d = dims(k);
  for (size_t j = 0; j < d.size(); ++j)
    if (d[j] == kUnknown) refuse("input {} '{}' has an unknown dimension {}", k, node_.input(k), j);
  return d;
}

proto::Node& OnnxNode::emit(const std::string& op, const std::vector<std::string>& inputs, const std::string& suffix) {
  proto::Node& n = *im_.out_.add_node();
  std::string wanted = im_.emitted_ == 0 && suffix.empty() ? im_.current_name_ : im_.current_name_ + "/" + (suffix.empty() ? op : suffix);
  n.set_name(im_.unique_name(wanted));
  n.set_op(op);
  for (const auto& in : inputs) n.add_input(in);
  n.set_doc(fmt::format("ONNX {} '{}'", node_.op_type(), node_.name()));
  if (im_.emitted_ == 0 && node_.output_size() > 0) im_.refs_[node_.output(0)] = n.name();
  ++im_.emitted_;
  return n;
}

bool OnnxNode::batch_is_fixed() const { return im_.batch_fixed_; }

std::string OnnxNode::computed_weight(const std::string& suffix, proto::Tensor value) {
  return im_.add_variable(im_.current_name_ + "/" + suffix, std::move(value), /*trainable=*/true);
}

const onnx::NodeProto* OnnxNode::sole_reader(int k) const {
  if (k >= node_.output_size()) return nullptr;
  const std::string& out = node_.output(k);
  auto count = im_.readers_.find(out);
  if (count == im_.readers_.end() || count->second != 1) return nullptr;  // graph outputs count as readers
  for (const auto& node : im_.model_.graph().node())
    if (std::find(node.input().begin(), node.input().end(), out) != node.input().end()) return &node;
  return nullptr;
}

void OnnxNode::fold_pads_into_reader(std::vector<int64_t> spatial_pads) {
  const std::string& out = node_.output(0);
  im_.refs_[out] = data(0);
  im_.dims_[out] = dims(0);
  im_.folded_pads_[out] = std::move(spatial_pads);
}

std::vector<int64_t> OnnxNode::folded_pads(int k) const {
  if (!has_input(k)) return {};
  auto it = im_.folded_pads_.find(node_.input(k));
  return it == im_.folded_pads_.end() ? std::vector<int64_t>{} : it->second;
}

void OnnxNode::set_output(int k, const std::string& tensor) { im_.refs_[node_.output(k)] = tensor; }

void OnnxNode::set_tensor_output(int k, const onnx::TensorProto& value) {
  im_.owned_.push_back(value);
  im_.float_consts_[node_.output(k)] = &im_.owned_.back();
  im_.dims_[node_.output(k)] = std::vector<int64_t>(value.dims().begin(), value.dims().end());
}

void OnnxNode::set_int_output(int k, IntConst value) { im_.int_consts_[node_.output(k)] = std::move(value); }

void OnnxNode::alias_output(int k, const std::string& onnx_input) {
  const std::string& out = node_.output(k);
  if (auto it = im_.refs_.find(onnx_input); it != im_.refs_.end()) im_.refs_[out] = it->second;
  if (auto it = im_.float_consts_.find(onnx_input); it != im_.float_consts_.end()) {
    im_.float_consts_[out] = it->second;
    // An Identity of an initializer (PyTorch's exporter de-duplicates equal weights so) is a
    // weight of its own: trained separately, as the original model's parameters are.
    if (im_.initializers_.count(onnx_input)) im_.initializers_[out] = im_.initializers_[onnx_input];
  }
  if (auto it = im_.int_consts_.find(onnx_input); it != im_.int_consts_.end()) im_.int_consts_[out] = it->second;
  if (auto it = im_.dims_.find(onnx_input); it != im_.dims_.end() && !im_.dims_.count(out)) im_.dims_[out] = it->second;
}

}  // namespace onnx_import

// --- public entry points --------------------------------------------------------------------

bool is_onnx_path(const std::string& path) { return std::filesystem::path(path).extension() == ".onnx"; }

proto::Graph import_onnx(const std::string& path) {
  Importer importer(path);
  return importer.run();
}

std::map<std::string, Tensor> take_initial_values(proto::Graph& graph) {
  std::map<std::string, Tensor> values;
  for (auto& node : *graph.mutable_node()) {
    if (node.op() != "Variable") continue;
    auto& attrs = *node.mutable_attr();
    for (int k = 0; k < attrs.size(); ++k) {
      if (attrs[k].name() != "value" || attrs[k].tensor().raw().empty()) continue;
      values.emplace(node.name(), tensor_from_onnx_value(attrs[k].tensor(), node.name()));
      attrs.DeleteSubrange(k, 1);
      break;
    }
  }
  return values;
}

std::vector<std::string> onnx_supported_ops() {
  std::vector<std::string> out;
  for (const auto& [domain, ops] : OnnxConverterRegistry::global().all_imports())
    for (const auto& [op, support] : ops)
      out.push_back(fmt::format("{}{}-{}", domain.empty() ? "" : domain + ".", op, fmt::join(support.versions, ",")));
  return out;
}

}  // namespace graphrun
