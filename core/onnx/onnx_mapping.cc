// The one generic converter pair behind every declarative mapping (onnx_mapping.h): the ONNX
// node's inputs, outputs and attrs are the op's, attrs matched by name and converted by the type
// the op declares for them.
#include "core/onnx/onnx_mapping.h"

#include <fmt/ranges.h>

#include "core/onnx/onnx_registry.h"

namespace graphrun {

namespace {

std::string attr_names(const OpDef& def) {
  std::vector<std::string> names;
  for (const auto& a : def.attrs) names.push_back(a.name);
  return names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "));
}

// One ONNX attribute as the attr the op declares under its name.
void import_attr(const OpDef& def, const onnx::AttributeProto& a, proto::Node& node) {
  using onnx::AttributeProto;
  const AttrSpec* spec = def.find_attr(a.name());
  if (!spec)
    onnx_import::refuse("attr '{}' is not an attr of graphrun's {} (its attrs: {})", a.name(), def.name,
                        attr_names(def));
  auto expect = [&](AttributeProto::AttributeType type) {
    if (a.type() != type)
      onnx_import::refuse("attr '{}' is an ONNX {}; graphrun's {} takes a {} (an ONNX {})", a.name(),
                          AttributeProto::AttributeType_Name(a.type()), def.name, attr_type_name(spec->type),
                          AttributeProto::AttributeType_Name(type));
  };
  proto::Attr& out = onnx_import::add_attr(node, a.name());
  switch (spec->type) {
    case AttrType::kInt:
      expect(AttributeProto::INT), out.set_i(a.i());
      break;
    case AttrType::kBool:
      expect(AttributeProto::INT), out.set_b(a.i() != 0);
      break;
    case AttrType::kFloat:
      expect(AttributeProto::FLOAT), out.set_f(a.f());
      break;
    case AttrType::kString:
      expect(AttributeProto::STRING), out.set_s(a.s());
      break;
    case AttrType::kInts:
      expect(AttributeProto::INTS);
      for (int64_t v : a.ints()) out.mutable_ints()->add_v(v);
      break;
    case AttrType::kFloats:
      expect(AttributeProto::FLOATS);
      for (float v : a.floats()) out.mutable_floats()->add_v(v);
      break;
    case AttrType::kStrings:
      expect(AttributeProto::STRINGS);
      for (const auto& v : a.strings()) out.mutable_strings()->add_v(v);
      break;
    default:
      onnx_import::refuse("attr '{}' is a {} in graphrun's {}, which has no ONNX attribute form", a.name(),
                          attr_type_name(spec->type), def.name);
  }
}

void import_mapped(const OnnxMapping& m, onnx_import::OnnxNode& n) {
  const OpDef& def = OpRegistry::global().get(m.op);
  std::vector<std::string> inputs;
  for (int k = 0; k < n.num_inputs(); ++k) inputs.push_back(n.data(k));
  proto::Node& node = n.emit(m.op, inputs);
  for (const auto& a : n.proto().attribute()) import_attr(def, a, node);
  for (int k = 1; k < n.proto().output_size(); ++k) n.set_output(k, fmt::format("{}:{}", node.name(), k));
}

void export_attr(const Node& node, const std::string& name, onnx::NodeProto& n) {
  const proto::Attr& a = node.attrs.get(name);
  onnx::AttributeProto& out = *n.add_attribute();
  out.set_name(name);
  switch (a.value_case()) {
    case proto::Attr::kI:
      out.set_type(onnx::AttributeProto::INT), out.set_i(a.i());
      break;
    case proto::Attr::kB:
      out.set_type(onnx::AttributeProto::INT), out.set_i(a.b() ? 1 : 0);
      break;
    case proto::Attr::kF:
      out.set_type(onnx::AttributeProto::FLOAT), out.set_f(static_cast<float>(a.f()));
      break;
    case proto::Attr::kS:
      out.set_type(onnx::AttributeProto::STRING), out.set_s(a.s());
      break;
    case proto::Attr::kInts:
      out.set_type(onnx::AttributeProto::INTS);
      for (int64_t v : a.ints().v()) out.add_ints(v);
      break;
    case proto::Attr::kFloats:
      out.set_type(onnx::AttributeProto::FLOATS);
      for (double v : a.floats().v()) out.add_floats(static_cast<float>(v));
      break;
    case proto::Attr::kStrings:
      out.set_type(onnx::AttributeProto::STRINGS);
      for (const auto& v : a.strings().v()) out.add_strings(v);
      break;
    default:
      fail("{} '{}': attr '{}' = {} has no ONNX attribute form", node.op, node.name, name, attr_value_str(a));
  }
}

void export_mapped(const OnnxMapping& m, onnx_export::ExportNode& x) {
  const Node& node = x.node();
  onnx::NodeProto& n = x.add(m.op_type, x.inputs());
  if (!m.domain.empty()) x.use_domain(n, m.domain, m.since_versions.back());
  n.clear_output();
  for (int k = 0; k < static_cast<int>(node.outputs.size()); ++k) n.add_output(x.output(k));
  for (const AttrSpec& spec : node.def->attrs)
    if (node.attrs.has(spec.name)) export_attr(node, spec.name, n);
}

}  // namespace

void check_onnx_mapping(const OnnxMapping& m) {
  const OnnxConverterRegistry& registry = OnnxConverterRegistry::global();
  if (m.since_versions.empty()) fail("op {}: its ONNX mapping to {} names no since-version", m.op, m.op_type);
  if (registry.find_import(m.domain, m.op_type))
    fail("op {}: ONNX op {} of domain '{}' has an import converter already", m.op, m.op_type,
         onnx_domain_key(m.domain));
  if (registry.find_export(m.op)) fail("op {} has an ONNX export converter already", m.op);
}

void declare_onnx_mapping(const OnnxMapping& mapping) {
  check_onnx_mapping(mapping);
  OnnxMapping m = mapping;
  std::sort(m.since_versions.begin(), m.since_versions.end());
  OnnxConverterRegistry& registry = OnnxConverterRegistry::global();
  registry.add_import(m.domain, m.op_type, m.since_versions, [m](onnx_import::OnnxNode& n) { import_mapped(m, n); });
  registry.add_export(m.op, {[m](onnx_export::ExportNode& x) { export_mapped(m, x); }});
}

}  // namespace graphrun
