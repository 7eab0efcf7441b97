#include "core/variable_store.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <cstring>

#include "core/npz.h"
#include "core/random.h"
#include "core/variable_parts.h"

namespace graphrun {

Tensor& VariableStore::at(const std::string& name) {
  auto it = values_.find(name);
  if (it != values_.end()) return it->second;
  std::vector<std::string> names;
  for (const auto& [n, v] : values_) names.push_back(n);
  fail("no variable '{}' (variables: {})", name, names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", ")));
}

namespace {

// Fan-in and fan-out of OIHW conv weights and [out, in] dense weights, as PyTorch computes them.
std::pair<double, double> fans(const Shape& shape) {
  if (shape.rank() < 2) return {1.0, 1.0};
  double receptive = static_cast<double>(shape.product(2, shape.rank()));
  return {static_cast<double>(shape[1]) * receptive, static_cast<double>(shape[0]) * receptive};
}

// A given value (an imported model's weights), converted to the variable's element type.
template <typename T>
void copy_value(std::span<T> v, const proto::Tensor& value) {
  if (value.shape().dim_size() > 0 && Shape(std::vector<int64_t>(value.shape().dim().begin(), value.shape().dim().end())).num_elements() != static_cast<int64_t>(v.size()))
    fail("attr 'value' has shape {}, the variable {} elements", Shape(std::vector<int64_t>(value.shape().dim().begin(), value.shape().dim().end())).str(), v.size());
  const std::string& raw = value.raw();
  auto copy_from = [&](auto* type) {
    using S = std::remove_pointer_t<decltype(type)>;
    if (raw.size() != v.size() * sizeof(S))
      fail("initializer value has {} bytes, the variable needs {} values of {} bytes", raw.size(), v.size(), sizeof(S));
    for (size_t i = 0; i < v.size(); ++i) {
      S x;
      std::memcpy(&x, raw.data() + i * sizeof(S), sizeof(S));
      v[i] = static_cast<T>(x);
    }
  };
  if (value.dtype() == proto::DT_FLOAT) copy_from(static_cast<float*>(nullptr));
  else if (value.dtype() == proto::DT_DOUBLE) copy_from(static_cast<double*>(nullptr));
  else fail("initializer value must be float32 or float64");
}

template <typename T>
void fill(Tensor& tensor, const proto::Initializer& init, uint64_t key) {
  std::span<T> v = tensor.values<T>();
  auto [fan_in, fan_out] = fans(tensor.shape());
  auto uniform = [&](double lo, double hi) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<T>(lo + (hi - lo) * uniform01(key, i));
  };
  auto gaussian = [&](double mean, double std) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<T>(mean + std * normal01(key, i));
  };
  switch (init.kind_case()) {
    case proto::Initializer::kGaussian: gaussian(init.gaussian().mean(), init.gaussian().std()); break;
    case proto::Initializer::kUniform: uniform(init.uniform().min(), init.uniform().max()); break;
    case proto::Initializer::kConstant:
      for (auto& x : v) x = static_cast<T>(init.constant().value());
      break;
    case proto::Initializer::kXavier: {
      double a = std::sqrt(6.0 / (fan_in + fan_out));
      uniform(-a, a);
      break;
    }
    case proto::Initializer::kKaiming: gaussian(0.0, std::sqrt(2.0 / fan_in)); break;
    case proto::Initializer::KIND_NOT_SET: fail("initializer has no kind");
  }
}

}  // namespace

void fill_initializer(Tensor& tensor, const proto::Initializer& init, uint64_t key) {
  dispatch_float(tensor.dtype(), [&](auto* type) {
    using T = std::remove_pointer_t<decltype(type)>;
    fill<T>(tensor, init, key);
  });
}

namespace {
// A Variable's initial value: the value it came with (an imported model's weights), else its
// initializer's draw.
void fill_variable(Tensor& tensor, const Node& node, uint64_t key) {
  const proto::Tensor& value = node.attrs.tensor("value");
  if (value.raw().empty()) {
    fill_initializer(tensor, node.attrs.init("init"), key);
    return;
  }
  try {
    dispatch_float(tensor.dtype(), [&](auto* type) {
      using T = std::remove_pointer_t<decltype(type)>;
      copy_value<T>(tensor.values<T>(), value);
    });
  } catch (const Error& e) {
    fail("Variable '{}': {}", node.name, e.what());
  }
}
}  // namespace

void VariableStore::initialize(const Graph& graph, uint64_t seed) {
  std::map<std::string, Tensor> logical_values;  // drawn once per logical variable
  for (const auto& node : graph.nodes) {
    if (node.op != "Variable" || has(node.name)) continue;
    Tensor value(node.outputs[0].dtype, node.outputs[0].shape);
    auto part = variable_part(node);
    std::string logical = part ? part->logical : node.name;
    if (!part) {
      fill_variable(value, node, hash_combine(seed, hash_name(logical)));
    } else {
      auto it = logical_values.find(logical);
      if (it == logical_values.end()) {
        Tensor whole(node.outputs[0].dtype, part->logical_shape);
        fill_variable(whole, node, hash_combine(seed, hash_name(logical)));
        it = logical_values.emplace(logical, std::move(whole)).first;
      }
      copy_part_from_whole(value, it->second, *part);
    }
    set(node.name, std::move(value));
  }
}

namespace {

// Every Variable node of the graph by logical name (several for a split variable).
std::map<std::string, std::vector<const Node*>> variables_by_logical_name(const Graph& graph) {
  std::map<std::string, std::vector<const Node*>> by_name;
  for (const auto& node : graph.nodes)
    if (node.op == "Variable") by_name[logical_variable_name(node)].push_back(&node);
  return by_name;
}

Shape logical_shape(const Node& node) {
  auto part = variable_part(node);
  return part ? part->logical_shape : node.outputs[0].shape;
}

}  // namespace

Tensor VariableStore::logical_value(const Graph& graph, const std::string& logical) const {
  auto by_name = variables_by_logical_name(graph);
  auto it = by_name.find(logical);
  if (it == by_name.end()) fail("graph '{}' has no variable '{}'", graph.name, logical);
  const Node& first = *it->second[0];
  // Values on a GPU come back to the host: checkpoints and .npz files are host tensors.
  if (!variable_part(first)) return at(first.name).to_host();
  Tensor whole(first.outputs[0].dtype, logical_shape(first));
  for (const Node* node : it->second)
    copy_part_into_whole(whole, at(node->name).to_host(), *variable_part(*node));
  return whole;
}

void VariableStore::assign_logical(const Graph& graph, const std::string& logical, const Tensor& value,
                                   const std::string& origin) {
  auto by_name = variables_by_logical_name(graph);
  auto it = by_name.find(logical);
  if (it == by_name.end()) fail("{} holds '{}', which is no variable of graph '{}'", origin, logical, graph.name);
  const Node& first = *it->second[0];
  Shape want = logical_shape(first);
  if (value.dtype() != first.outputs[0].dtype || !(value.shape() == want))
    fail("{}: '{}' is {} {}, the graph's variable is {} {}", origin, logical, dtype_name(value.dtype()),
         value.shape().str(), dtype_name(first.outputs[0].dtype), want.str());
  for (const Node* node : it->second) {
    auto part = variable_part(*node);
    Tensor t(node->outputs[0].dtype, node->outputs[0].shape);
    if (part)
      copy_part_from_whole(t, value, *part);
    else
      t.copy_from(value);
    set(node->name, std::move(t));
  }
}

namespace {
template <typename From, typename To>
void convert_values(const Tensor& from, Tensor& to) {
  const From* src = from.data<From>();
  To* dst = to.data<To>();
  for (int64_t i = 0; i < from.num_elements(); ++i) dst[i] = static_cast<To>(src[i]);
}
}  // namespace

void VariableStore::load_npz(const Graph& graph, const std::string& path, bool strict,
                             const std::vector<std::string>& optional) {
  std::map<std::string, Tensor> arrays = read_npz(path);
  std::vector<std::string> missing;
  for (const auto& [logical, nodes] : variables_by_logical_name(graph)) {
    auto it = arrays.find(logical);
    if (it == arrays.end()) {
      if (std::find(optional.begin(), optional.end(), logical) == optional.end()) missing.push_back(logical);
      continue;
    }
    DType want = nodes[0]->outputs[0].dtype;
    Shape shape = logical_shape(*nodes[0]);
    const Tensor& got = it->second;
    if (!(got.shape() == shape))
      fail("{}: array '{}' has shape {}, the graph's variable has {}", path, logical, got.shape().str(), shape.str());
    Tensor value(want, shape);
    if (got.dtype() == want) {
      value.copy_from(got);
    } else if (got.dtype() == DType::kFloat32 && want == DType::kFloat64) {
      convert_values<float, double>(got, value);
    } else if (got.dtype() == DType::kFloat64 && want == DType::kFloat32) {
      convert_values<double, float>(got, value);
    } else {
      fail("{}: array '{}' is {}, the variable is {}", path, logical, dtype_name(got.dtype()), dtype_name(want));
    }
    assign_logical(graph, logical, value, path);
    arrays.erase(it);
  }
  if (strict && !missing.empty())
    fail("{}: no array for variable(s) {}", path, fmt::join(missing, ", "));
  if (!arrays.empty()) {
    std::vector<std::string> extra;
    for (const auto& [n, t] : arrays) extra.push_back(n);
    fail("{}: array(s) {} match no variable of graph '{}'", path, fmt::join(extra, ", "), graph.name);
  }
}

void VariableStore::save_npz(const std::string& path) const {
  std::map<std::string, Tensor> host;
  for (const auto& [name, value] : values_) host.emplace(name, value.to_host());
  write_npz(path, host);
}

}  // namespace graphrun
