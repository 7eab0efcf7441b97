#include "core/attrs.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"

namespace graphrun {

std::string_view attr_type_name(AttrType type) {
  switch (type) {
    case AttrType::kInt: return "int";
    case AttrType::kFloat: return "float";
    case AttrType::kString: return "string";
    case AttrType::kBool: return "bool";
    case AttrType::kInts: return "ints";
    case AttrType::kFloats: return "floats";
    case AttrType::kStrings: return "strings";
    case AttrType::kShape: return "shape";
    case AttrType::kDType: return "dtype";
    case AttrType::kTensor: return "tensor";
    case AttrType::kInit: return "init";
  }
  return "?";
}

proto::Attr attr_int(int64_t v) {
  proto::Attr a;
  a.set_i(v);
  return a;
}
proto::Attr attr_float(double v) {
  proto::Attr a;
  a.set_f(v);
  return a;
}
proto::Attr attr_string(std::string v) {
  proto::Attr a;
  a.set_s(std::move(v));
  return a;
}
proto::Attr attr_bool(bool v) {
  proto::Attr a;
  a.set_b(v);
  return a;
}
proto::Attr attr_ints(std::vector<int64_t> v) {
  proto::Attr a;
  a.mutable_ints();  // an empty list is still a value
  for (int64_t x : v) a.mutable_ints()->add_v(x);
  return a;
}
proto::Attr attr_floats(std::vector<double> v) {
  proto::Attr a;
  a.mutable_floats();
  for (double x : v) a.mutable_floats()->add_v(x);
  return a;
}
proto::Attr attr_shape(const Shape& shape) {
  proto::Attr a;
  a.mutable_shape();  // a scalar's empty shape is still a value
  for (int64_t d : shape.dims()) a.mutable_shape()->add_dim(d);
  return a;
}
proto::Attr attr_dtype(DType dtype) {
  proto::Attr a;
  a.set_dtype(static_cast<proto::DataType>(dtype));
  return a;
}
proto::Attr attr_init_gaussian(double std, double mean) {
  proto::Attr a;
  a.mutable_init()->mutable_gaussian()->set_std(std);
  a.mutable_init()->mutable_gaussian()->set_mean(mean);
  return a;
}
proto::Attr attr_init_uniform(double min, double max) {
  proto::Attr a;
  a.mutable_init()->mutable_uniform()->set_min(min);
  a.mutable_init()->mutable_uniform()->set_max(max);
  return a;
}
proto::Attr attr_init_constant(double value) {
  proto::Attr a;
  a.mutable_init()->mutable_constant()->set_value(value);
  return a;
}
proto::Attr attr_init_xavier() {
  proto::Attr a;
  a.mutable_init()->mutable_xavier();
  return a;
}

namespace checks {

namespace {
AttrCheck int_check(bool allow_zero) {
  return [allow_zero](const proto::Attr& a) -> std::string {
    auto bad = [&](int64_t v) { return allow_zero ? v < 0 : v <= 0; };
    const char* want = allow_zero ? "must be >= 0" : "must be positive";
    if (a.value_case() == proto::Attr::kI && bad(a.i())) return want;
    if (a.value_case() == proto::Attr::kInts)
      for (int64_t v : a.ints().v())
        if (bad(v)) return want;
    return "";
  };
}
}  // namespace

AttrCheck positive() { return int_check(false); }
AttrCheck non_negative() { return int_check(true); }

AttrCheck one_of(std::vector<std::string> values) {
  return [values](const proto::Attr& a) -> std::string {
    for (const auto& v : values)
      if (a.s() == v) return "";
    return fmt::format("must be one of {}", fmt::join(values, ", "));
  };
}

AttrCheck in_range(double lo, double hi) {
  return [lo, hi](const proto::Attr& a) -> std::string {
    if (a.f() >= lo && a.f() <= hi) return "";
    return fmt::format("must be in [{}, {}]", lo, hi);
  };
}

}  // namespace checks

const proto::Attr& AttrMap::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) {
    std::vector<std::string> names;
    for (const auto& [n, v] : values_) names.push_back(n);
    fail("no attr '{}' (attrs: {})", name, fmt::join(names, ", "));
  }
  return it->second;
}

void AttrMap::set(const std::string& name, proto::Attr value) {
  value.set_name(name);
  values_[name] = std::move(value);
}

int64_t AttrMap::i(const std::string& name) const { return get(name).i(); }
double AttrMap::f(const std::string& name) const { return get(name).f(); }
const std::string& AttrMap::s(const std::string& name) const { return get(name).s(); }
bool AttrMap::b(const std::string& name) const { return get(name).b(); }
std::vector<int64_t> AttrMap::ints(const std::string& name) const {
  const auto& v = get(name).ints().v();
  return {v.begin(), v.end()};
}
std::vector<double> AttrMap::floats(const std::string& name) const {
  const auto& v = get(name).floats().v();
  return {v.begin(), v.end()};
}
std::vector<std::string> AttrMap::strings(const std::string& name) const {
  const auto& v = get(name).strings().v();
  return {v.begin(), v.end()};
}
Shape AttrMap::shape(const std::string& name) const {
  const auto& v = get(name).shape().dim();
  return Shape(std::vector<int64_t>(v.begin(), v.end()));
}
DType AttrMap::dtype(const std::string& name) const { return static_cast<DType>(get(name).dtype()); }
const proto::Tensor& AttrMap::tensor(const std::string& name) const { return get(name).tensor(); }
const proto::Initializer& AttrMap::init(const std::string& name) const { return get(name).init(); }

std::string attr_value_str(const proto::Attr& a) {
  switch (a.value_case()) {
    case proto::Attr::kI: return std::to_string(a.i());
    case proto::Attr::kF: return fmt::format("{:g}", a.f());
    case proto::Attr::kS: return fmt::format("\"{}\"", a.s());
    case proto::Attr::kB: return a.b() ? "true" : "false";
    case proto::Attr::kInts: return fmt::format("[{}]", fmt::join(a.ints().v(), ","));
    case proto::Attr::kFloats: return fmt::format("[{}]", fmt::join(a.floats().v(), ","));
    case proto::Attr::kStrings: return fmt::format("[{}]", fmt::join(a.strings().v(), ","));
    case proto::Attr::kShape: return fmt::format("[{}]", fmt::join(a.shape().dim(), ","));
    case proto::Attr::kDtype: return std::string(dtype_name(static_cast<DType>(a.dtype())));
    case proto::Attr::kTensor: return "tensor";
    case proto::Attr::kInit: {
      const auto& init = a.init();
      if (init.has_gaussian()) return fmt::format("gaussian(std={:g})", init.gaussian().std());
      if (init.has_uniform()) return fmt::format("uniform({:g},{:g})", init.uniform().min(), init.uniform().max());
      if (init.has_constant()) return fmt::format("constant({:g})", init.constant().value());
      if (init.has_xavier()) return "xavier";
      if (init.has_kaiming()) return "kaiming";
      return "init(?)";
    }
    case proto::Attr::VALUE_NOT_SET: return "unset";
  }
  return "?";
}

}  // namespace graphrun
