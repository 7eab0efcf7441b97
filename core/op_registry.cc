#include "core/op_registry.h"

#include <fmt/ranges.h>

#include <algorithm>

namespace graphrun {

void InferenceContext::set_output(int i, DType dtype, Shape shape) {
  if (static_cast<int>(outputs_.size()) <= i) outputs_.resize(i + 1);
  for (int64_t d : shape.dims())
    if (d < 0) error("output {} would have shape {} with a negative dimension", i, shape.str());
  shape.num_elements();  // throws on overflow
  outputs_[i] = TensorInfo{dtype, std::move(shape)};
}

void InferenceContext::expect_rank(int i, int rank) const {
  if (input_shape(i).rank() != rank)
    error("input {} must have rank {}, got shape {}", i, rank, input_shape(i).str());
}

void InferenceContext::expect_same_float_dtype() const {
  DType dtype = input_dtype(0);
  // bfloat16 comes from the mixed-precision pass (--precision bf16), not from graph files.
  if (!is_floating(dtype) && dtype != DType::kBFloat16)
    error("input 0 must be float32 or float64, got {}", dtype_name(dtype));
  for (int i = 1; i < num_inputs(); ++i)
    if (input_dtype(i) != dtype)
      error("input {} is {} but input 0 is {}", i, dtype_name(input_dtype(i)), dtype_name(dtype));
}

const AttrSpec* OpDef::find_attr(const std::string& attr_name) const {
  for (const auto& spec : attrs)
    if (spec.name == attr_name) return &spec;
  return nullptr;
}

OpDefBuilder& OpDefBuilder::doc(std::string text) {
  def_.doc = std::move(text);
  return *this;
}
OpDefBuilder& OpDefBuilder::input(std::string name, std::string doc) {
  def_.inputs.push_back({std::move(name), std::move(doc)});
  return *this;
}
OpDefBuilder& OpDefBuilder::variadic_input(std::string name, std::string doc) {
  def_.variadic_inputs = true;
  return input(std::move(name), std::move(doc));
}
OpDefBuilder& OpDefBuilder::output(std::string name, std::string doc) {
  def_.outputs.push_back({std::move(name), std::move(doc)});
  return *this;
}
OpDefBuilder& OpDefBuilder::variadic_output(std::string name, std::string doc) {
  def_.variadic_outputs = true;
  return output(std::move(name), std::move(doc));
}
OpDefBuilder& OpDefBuilder::attr(std::string name, AttrType type, std::string doc, AttrCheck check, int length) {
  def_.attrs.push_back({std::move(name), type, std::nullopt, std::move(doc), std::move(check), length});
  return *this;
}
OpDefBuilder& OpDefBuilder::attr(std::string name, AttrType type, proto::Attr default_value, std::string doc,
                                 AttrCheck check, int length) {
  default_value.set_name(name);
  def_.attrs.push_back({std::move(name), type, std::move(default_value), std::move(doc), std::move(check), length});
  return *this;
}
OpDefBuilder& OpDefBuilder::param(ParamSpec spec) {
  def_.params.push_back(std::move(spec));
  return *this;
}
OpDefBuilder& OpDefBuilder::shape_fn(ShapeFn fn) {
  def_.shape_fn = std::move(fn);
  return *this;
}
OpDefBuilder& OpDefBuilder::reuse_input(int output, int input) {
  def_.reuse_input.emplace_back(output, input);
  return *this;
}

OpDefBuilder& OpDefBuilder::cost_fn(CostFn fn) {
  def_.cost_fn = std::move(fn);
  return *this;
}
OpDefBuilder& OpDefBuilder::grad(GradFn fn) {
  def_.grad_fn = std::move(fn);
  return *this;
}
OpDefBuilder& OpDefBuilder::no_gradient(std::vector<int> inputs) {
  def_.no_gradient = std::move(inputs);
  return *this;
}
OpDefBuilder& OpDefBuilder::with(const std::function<void(OpDefBuilder&)>& declarations) {
  declarations(*this);
  return *this;
}
OpDefBuilder& OpDefBuilder::stateful() {
  def_.stateful = true;
  return *this;
}

OpDefBuilder& OpDefBuilder::elementwise() {
  def_.traits.elementwise = true;
  return *this;
}
OpDefBuilder& OpDefBuilder::bfloat16(BFloat16Behaviour behaviour, NodeCondition when) {
  def_.traits.bfloat16 = behaviour;
  def_.traits.bfloat16_when = std::move(when);
  return *this;
}
OpDefBuilder& OpDefBuilder::float32_gradients_attr(std::string bool_attr) {
  def_.traits.float32_gradients_attr = std::move(bool_attr);
  return *this;
}
OpDefBuilder& OpDefBuilder::output_aliases_input(int first_input) {
  def_.traits.first_aliased_input = first_input;
  return *this;
}
OpDefBuilder& OpDefBuilder::optimizer_update() {
  def_.traits.optimizer_update = true;
  return *this;
}

OpDefBuilder& OpDefBuilder::split(SplitFn fn) {
  def_.split_fn = std::move(fn);
  return *this;
}

OpDef OpDefBuilder::build() && {
  GR_CHECK(def_.shape_fn != nullptr, "op {} has no shape function", def_.name);
  for (auto [output, input] : def_.reuse_input)
    if (output < 0 || output >= static_cast<int>(def_.outputs.size()) || input < 0 ||
        input >= static_cast<int>(def_.inputs.size()))
      fail("op {}: output {} cannot reuse input {}: it has {} outputs and {} inputs", def_.name, output, input,
           def_.outputs.size(), def_.inputs.size());
  const OpTraits& traits = def_.traits;
  if (!traits.float32_gradients_attr.empty()) {
    const AttrSpec* spec = def_.find_attr(traits.float32_gradients_attr);
    if (spec == nullptr || spec->type != AttrType::kBool)
      fail("op {}: float32_gradients_attr '{}' is not a bool attr of the op", def_.name, traits.float32_gradients_attr);
  }
  if (traits.first_aliased_input >= static_cast<int>(def_.inputs.size()) || traits.first_aliased_input < -1)
    fail("op {}: output_aliases_input({}): it has {} inputs", def_.name, traits.first_aliased_input,
         def_.inputs.size());
  return std::move(def_);
}

OpRegistry& OpRegistry::global() {
  static OpRegistry registry;
  return registry;
}

void OpRegistry::add(OpDef def) {
  auto it = ops_.find(def.name);
  if (it != ops_.end())
    fail("op '{}' is registered twice: by {} and by {}", def.name, it->second->library, def.library);
  std::string name = def.name;
  ops_.emplace(name, std::make_unique<OpDef>(std::move(def)));
}

const OpDef* OpRegistry::find(const std::string& name) const {
  auto it = ops_.find(name);
  return it == ops_.end() ? nullptr : it->second.get();
}

const OpDef& OpRegistry::get(const std::string& name) const {
  if (const OpDef* def = find(name)) return *def;
  std::vector<std::string> names;
  for (const auto& [n, d] : ops_) names.push_back(n);
  std::string hint = closest_name(name, names);
  if (!hint.empty()) fail("unknown op '{}' (did you mean {}?)", name, hint);
  fail("unknown op '{}' ({} ops registered; `graphrun ops` lists them)", name, names.size());
}

std::vector<const OpDef*> OpRegistry::all() const {
  std::vector<const OpDef*> result;
  for (const auto& [n, d] : ops_) result.push_back(d.get());
  return result;
}

OpRegistrar::OpRegistrar(OpDefBuilder& builder) { OpRegistry::global().add(std::move(builder).build()); }
OpRegistrar::OpRegistrar(OpDefBuilder&& builder) { OpRegistry::global().add(std::move(builder).build()); }

namespace {
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      bool same = std::tolower(a[i - 1]) == std::tolower(b[j - 1]);
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}
}  // namespace

std::string closest_name(const std::string& name, const std::vector<std::string>& candidates) {
  // One edit in a name of up to five letters, two up to nine, a third of a longer one: a looser
  // bound suggests unrelated names ("Adam" is two edits from "Add", "Const" two from "Cast").
  std::string best;
  size_t best_distance = (name.size() <= 5 ? 1 : name.size() < 10 ? 2 : name.size() / 3) + 1;
  for (const auto& candidate : candidates) {
    size_t d = edit_distance(name, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

}  // namespace graphrun
