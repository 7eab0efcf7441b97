#include "core/variable_store.h"

#include <fmt/ranges.h>

#include "core/npz.h"
#include "core/random.h"

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

void VariableStore::initialize(const Graph& graph, uint64_t seed) {
  for (const auto& node : graph.nodes) {
    if (node.op != "Variable" || has(node.name)) continue;
    Tensor value(node.outputs[0].dtype, node.outputs[0].shape);
    fill_initializer(value, node.attrs.init("init"), hash_combine(seed, hash_name(node.name)));
    set(node.name, std::move(value));
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

void VariableStore::load_npz(const Graph& graph, const std::string& path, bool strict) {
  std::map<std::string, Tensor> arrays = read_npz(path);
  std::vector<std::string> missing;
  for (const auto& node : graph.nodes) {
    if (node.op != "Variable") continue;
    auto it = arrays.find(node.name);
    if (it == arrays.end()) {
      missing.push_back(node.name);
      continue;
    }
    const TensorInfo& want = node.outputs[0];
    const Tensor& got = it->second;
    if (!(got.shape() == want.shape))
      fail("{}: array '{}' has shape {}, the graph's variable has {}", path, node.name, got.shape().str(),
           want.shape.str());
    Tensor value(want.dtype, want.shape);
    if (got.dtype() == want.dtype) {
      value.copy_from(got);
    } else if (got.dtype() == DType::kFloat32 && want.dtype == DType::kFloat64) {
      convert_values<float, double>(got, value);
    } else if (got.dtype() == DType::kFloat64 && want.dtype == DType::kFloat32) {
      convert_values<double, float>(got, value);
    } else {
      fail("{}: array '{}' is {}, the variable is {}", path, node.name, dtype_name(got.dtype()), dtype_name(want.dtype));
    }
    set(node.name, std::move(value));
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

void VariableStore::save_npz(const std::string& path) const { write_npz(path, values_); }

}  // namespace graphrun
