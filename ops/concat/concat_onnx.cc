// Concat as ONNX's Concat, both ways; a Concat of integers known at load time (shape arithmetic
// around a Reshape) is folded instead.
#include "core/onnx/onnx_registry.h"

namespace graphrun {

namespace {

using namespace onnx_import;

void fold_int_concat(OnnxNode& n) {
  IntConst out;
  for (int k = 0; k < n.num_inputs(); ++k) {
    IntConst c = *n.int_const(k);
    if (c.dims.size() != 1) refuse("folding a Concat of rank-{} integer tensors is not supported", c.dims.size());
    out.values.insert(out.values.end(), c.values.begin(), c.values.end());
  }
  out.dims = {static_cast<int64_t>(out.values.size())};
  n.set_int_output(0, out);
}

void import_concat(OnnxNode& n) {
  if (all_inputs_int_const(n)) return fold_int_concat(n);
  std::vector<std::string> inputs;
  for (int k = 0; k < n.num_inputs(); ++k) inputs.push_back(n.data(k));
  proto::Node& concat = n.emit("Concat", inputs);
  add_attr(concat, "axis").set_i(normalized_axis(n.i("axis", 1), static_cast<int64_t>(n.dims(0).size())));
}

void export_concat(onnx_export::ExportNode& x) {
  onnx_export::set_int(x.add("Concat", x.inputs()), "axis", x.node().attrs.i("axis"));
}

GR_ONNX_IMPORT("Concat", import_concat, 4, 11, 13);
GR_ONNX_EXPORT("Concat", export_concat);

}  // namespace

}  // namespace graphrun
