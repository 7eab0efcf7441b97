// Split as ONNX's Split, both ways (equal parts only; each ONNX output k is "<node>:k"). ONNX's
// Slice is taken only on integers known at load time (shape arithmetic: core/onnx/onnx_fold.cc);
// graphrun's Slice has no ONNX export yet.
#include <fmt/ranges.h>

#include "core/onnx/onnx_registry.h"

namespace graphrun {

namespace {

using Dims = std::vector<int64_t>;
using namespace onnx_import;

void import_split(OnnxNode& n) {
  Dims x = n.dims(0);
  int64_t axis = normalized_axis(n.i("axis", 0), static_cast<int64_t>(x.size()));
  int64_t parts = n.proto().output_size();
  Dims split = n.version() < 13 ? n.ints("split") : (n.int_const(1) ? n.int_const(1)->values : Dims{});
  if (n.version() >= 13 && n.has_input(1) && !n.int_const(1))
    refuse("the split sizes (input 1) must be known at load time");
  for (int64_t s : split)
    if (s != split[0]) refuse("unequal parts [{}]: graphrun's Split makes equal parts", fmt::join(split, ", "));
  if (x[axis] < 0 || x[axis] % parts != 0) refuse("{} outputs do not divide axis {} of size {}", parts, axis, x[axis]);
  proto::Node& node = n.emit("Split", {n.data(0)});
  add_attr(node, "axis").set_i(axis);
  add_attr(node, "num_split").set_i(parts);
  for (int k = 1; k < parts; ++k) n.set_output(k, fmt::format("{}:{}", node.name(), k));
}

void export_split(onnx_export::ExportNode& x) {
  auto& n = x.add("Split", x.inputs());
  n.clear_output();
  for (int k = 0; k < x.node().attrs.i("num_split"); ++k) n.add_output(x.output(k));
  onnx_export::set_int(n, "axis", x.node().attrs.i("axis"));
}

GR_ONNX_IMPORT("Split", import_split, 2, 11, 13);
GR_ONNX_IMPORT("Slice", fold_int_slice, 1, 10, 11, 13);
GR_ONNX_EXPORT("Split", export_split);

}  // namespace

}  // namespace graphrun
