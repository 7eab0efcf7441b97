// Where ONNX converters are found: import converters by (ONNX domain, op type) with the
// since-versions of the op's schemas they handle, export converters by graphrun op name. Each op
// folder registers its own (ops/<op>/<op>_onnx.cc) with the macros below, which are static
// registrars like GR_REGISTER_OP's (graphrun_lib is an OBJECT library, so they are linked into
// every program); core/onnx keeps only the model walk and the folding of load-time shape
// arithmetic. A plugin op declares a declarative mapping instead (core/onnx/onnx_mapping.h).
#pragma once

#include <onnx/onnx_pb.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/onnx/onnx_importer.h"
#include "core/op_registry.h"

namespace graphrun {

namespace onnx_export {

class Exporter;

// What an export converter sees of one graphrun node, and how it writes ONNX nodes.
class ExportNode {
 public:
  ExportNode(Exporter& x, const Graph& graph, int index) : x_(x), g_(graph), index_(index) {}

  const Node& node() const { return g_.nodes[index_]; }
  const Graph& graph() const { return g_; }
  const TensorInfo& input_info(int k) const { return g_.info(node().inputs.at(k)); }
  std::vector<std::string> inputs() const;  // the ONNX names of the node's inputs
  std::string output(int k) const;          // the ONNX name of output k

  // Adds an ONNX node of `op_type`. Without a suffix it is named after the graphrun node and
  // writes its output 0; with one it is named "<node><suffix>" and gets no output (the
  // converter adds its own).
  onnx::NodeProto& add(const std::string& op_type, const std::vector<std::string>& inputs,
                       const std::string& name_suffix = "");
  // A node of another domain than ONNX's: the model's opset_import then lists the domain.
  void use_domain(onnx::NodeProto& n, const std::string& domain, int version);
  std::string int64_initializer(const std::string& name, const std::vector<int64_t>& values);
  // A constant input in the dtype of the tensor it meets (Clip's bounds, Pad's value), as raw
  // data like the weights.
  std::string float_initializer(const std::string& name, DType dtype, const std::vector<int64_t>& dims,
                                const std::vector<double>& values);

  // The node is the identity at inference (Dropout): no ONNX node; output 0 is input `input`.
  void pass_through(int input);
  // The node is a graph input (Placeholder) or an initializer holding its weights (Variable).
  void graph_input();
  void initializer();

 private:
  Exporter& x_;
  const Graph& g_;
  int index_;
};

using ExportFn = std::function<void(ExportNode&)>;
struct ExportConverter {
  ExportFn convert;
  // A graph input or an initializer (Placeholder, Variable): a sink of it is no model output.
  bool source = false;
  // A loss: left out at inference, where the model's output is what its input k is (the logits).
  int inference_output_from_input = -1;
};

// ONNX attribute writers for converters.
void set_ints(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& values);
void set_int(onnx::NodeProto& n, const std::string& name, int64_t value);
void set_float(onnx::NodeProto& n, const std::string& name, double value);
onnx::TensorProto::DataType onnx_type(DType dtype);

}  // namespace onnx_export

class OnnxConverterRegistry {
 public:
  static OnnxConverterRegistry& global();

  // Throws Error when (domain, op_type) has a converter already. Domain "" and "ai.onnx" are
  // ONNX's own.
  void add_import(const std::string& domain, const std::string& op_type, std::vector<int> versions,
                  onnx_import::Converter convert);
  const onnx_import::OpSupport* find_import(const std::string& domain, const std::string& op_type) const;
  bool knows_domain(const std::string& domain) const;
  // The import converters of one domain, by op type.
  const std::map<std::string, onnx_import::OpSupport>& imports(const std::string& domain) const;
  const std::map<std::string, std::map<std::string, onnx_import::OpSupport>>& all_imports() const { return imports_; }

  // Throws Error when the op has an export converter already.
  void add_export(const std::string& op, onnx_export::ExportConverter converter);
  const onnx_export::ExportConverter* find_export(const std::string& op) const;
  std::vector<std::string> exported_ops() const;  // sorted

 private:
  std::map<std::string, std::map<std::string, onnx_import::OpSupport>> imports_;  // domain -> op type
  std::map<std::string, onnx_export::ExportConverter> exports_;
};

// "" for ONNX's own domain however a model spells it ("" or "ai.onnx").
std::string onnx_domain_key(const std::string& domain);

struct OnnxImportRegistrar {
  OnnxImportRegistrar(const std::string& domain, const std::string& op_type, std::vector<int> versions,
                      onnx_import::Converter convert) {
    OnnxConverterRegistry::global().add_import(domain, op_type, std::move(versions), std::move(convert));
  }
};
struct OnnxExportRegistrar {
  OnnxExportRegistrar(const std::string& op, onnx_export::ExportConverter converter) {
    OnnxConverterRegistry::global().add_export(op, std::move(converter));
  }
  OnnxExportRegistrar(const std::string& op, onnx_export::ExportFn convert)
      : OnnxExportRegistrar(op, onnx_export::ExportConverter{std::move(convert)}) {}
};

}  // namespace graphrun

// GR_ONNX_IMPORT("Conv", convert_conv, 1, 11): ONNX's Conv (its since-versions 1 and 11).
#define GR_ONNX_IMPORT(op_type, converter, ...)                                                                    \
  static const ::graphrun::OnnxImportRegistrar GR_CONCAT(gr_onnx_import_, __COUNTER__)("", op_type, {__VA_ARGS__}, \
                                                                                       converter)
// GR_ONNX_EXPORT("Conv2D", export_conv2d) or GR_ONNX_EXPORT("Variable", {.convert = ..., .source = true}).
#define GR_ONNX_EXPORT(op, ...) \
  static const ::graphrun::OnnxExportRegistrar GR_CONCAT(gr_onnx_export_, __COUNTER__)(op, __VA_ARGS__)
