// Node attributes: the typed, validated view of a node's `attr` list. An op declares its attrs
// (AttrSpec); at load time every attr of a node is checked against the declaration (unknown
// names and wrong types are errors that list what the op takes) and defaults are filled in, so
// kernels and shape functions read attrs without re-validating them.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/proto/graph.pb.h"
#include "core/shape.h"

namespace graphrun {

enum class AttrType { kInt, kFloat, kString, kBool, kInts, kFloats, kStrings, kShape, kDType, kTensor, kInit };
std::string_view attr_type_name(AttrType type);  // "int", "ints", ...

// Returns "" when the value is acceptable, else why not ("must be positive").
using AttrCheck = std::function<std::string(const proto::Attr&)>;

struct AttrSpec {
  std::string name;
  AttrType type = AttrType::kInt;
  std::optional<proto::Attr> default_value;  // none: the attr is required
  std::string doc;
  AttrCheck check;
  // For kInts: a single int given in the file is repeated to this length (kernel 3 -> [3,3]),
  // and a list must have this length. 0 accepts any length.
  int length = 0;
};

// Builders of attr values, for defaults and for graphs built in code.
proto::Attr attr_int(int64_t v);
proto::Attr attr_float(double v);
proto::Attr attr_string(std::string v);
proto::Attr attr_bool(bool v);
proto::Attr attr_ints(std::vector<int64_t> v);
proto::Attr attr_floats(std::vector<double> v);
proto::Attr attr_shape(const Shape& shape);
proto::Attr attr_dtype(DType dtype);
proto::Attr attr_init_gaussian(double std, double mean = 0);
proto::Attr attr_init_uniform(double min, double max);
proto::Attr attr_init_constant(double value);
proto::Attr attr_init_xavier();

// Common checks.
namespace checks {
AttrCheck positive();      // int or every element of ints > 0
AttrCheck non_negative();  // int or every element of ints >= 0
AttrCheck one_of(std::vector<std::string> values);  // string attrs
AttrCheck in_range(double lo, double hi);           // float attrs, inclusive
}  // namespace checks

class AttrMap {
 public:
  int64_t i(const std::string& name) const;
  double f(const std::string& name) const;
  const std::string& s(const std::string& name) const;
  bool b(const std::string& name) const;
  std::vector<int64_t> ints(const std::string& name) const;
  std::vector<double> floats(const std::string& name) const;
  std::vector<std::string> strings(const std::string& name) const;
  Shape shape(const std::string& name) const;
  DType dtype(const std::string& name) const;
  const proto::Tensor& tensor(const std::string& name) const;
  const proto::Initializer& init(const std::string& name) const;

  bool has(const std::string& name) const { return values_.count(name) != 0; }
  const proto::Attr& get(const std::string& name) const;  // throws listing the attrs there are
  void set(const std::string& name, proto::Attr value);
  const std::map<std::string, proto::Attr>& values() const { return values_; }

 private:
  std::map<std::string, proto::Attr> values_;
};

// One line for an attr value, as shown by `inspect` and `dot`: "4", "[3,3]", "gaussian(0.01)".
std::string attr_value_str(const proto::Attr& attr);

}  // namespace graphrun
