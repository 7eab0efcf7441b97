#include "core/onnx/onnx_registry.h"

#include <fmt/ranges.h>

namespace graphrun {

std::string onnx_domain_key(const std::string& domain) { return domain == "ai.onnx" ? "" : domain; }

OnnxConverterRegistry& OnnxConverterRegistry::global() {
  static OnnxConverterRegistry registry;
  return registry;
}

void OnnxConverterRegistry::add_import(const std::string& domain, const std::string& op_type, std::vector<int> versions,
                                       onnx_import::Converter convert) {
  auto& ops = imports_[onnx_domain_key(domain)];
  if (ops.count(op_type))
    fail("ONNX op {} of domain '{}' has an import converter already", op_type, onnx_domain_key(domain));
  if (versions.empty()) fail("ONNX op {}: an import converter must name the since-versions it handles", op_type);
  ops.emplace(op_type, onnx_import::OpSupport{std::move(versions), std::move(convert)});
}

const onnx_import::OpSupport* OnnxConverterRegistry::find_import(const std::string& domain,
                                                                 const std::string& op_type) const {
  auto d = imports_.find(onnx_domain_key(domain));
  if (d == imports_.end()) return nullptr;
  auto it = d->second.find(op_type);
  return it == d->second.end() ? nullptr : &it->second;
}

bool OnnxConverterRegistry::knows_domain(const std::string& domain) const {
  return imports_.count(onnx_domain_key(domain)) != 0;
}

const std::map<std::string, onnx_import::OpSupport>& OnnxConverterRegistry::imports(const std::string& domain) const {
  static const std::map<std::string, onnx_import::OpSupport> none;
  auto d = imports_.find(onnx_domain_key(domain));
  return d == imports_.end() ? none : d->second;
}

void OnnxConverterRegistry::add_export(const std::string& op, onnx_export::ExportConverter converter) {
  if (exports_.count(op)) fail("op {} has an ONNX export converter already", op);
  exports_.emplace(op, std::move(converter));
}

const onnx_export::ExportConverter* OnnxConverterRegistry::find_export(const std::string& op) const {
  auto it = exports_.find(op);
  return it == exports_.end() ? nullptr : &it->second;
}

std::vector<std::string> OnnxConverterRegistry::exported_ops() const {
  std::vector<std::string> ops;
  for (const auto& [op, converter] : exports_) ops.push_back(op);
  return ops;
}

namespace onnx_export {

void set_ints(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& values) {
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

}  // namespace onnx_export

}  // namespace graphrun
