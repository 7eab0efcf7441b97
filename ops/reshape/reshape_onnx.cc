// Flatten and Reshape as ONNX's, both ways. A Reshape's shape must be known at load time
// (Constant, initializers, or shape arithmetic graphrun folds); a Reshape of integers known at
// load time is itself folded. The batch stays graphrun's one -1.
#include <fmt/ranges.h>

#include "core/onnx/onnx_registry.h"

namespace graphrun {

namespace {

using Dims = std::vector<int64_t>;
using namespace onnx_import;

void import_flatten(OnnxNode& n) {
  Dims x = n.dims(0);
  int64_t axis = n.i("axis", 1);
  if (axis < 0) axis += static_cast<int64_t>(x.size());
  if (axis != 1) refuse("attr 'axis' = {}: only axis 1 (keep the batch, merge the rest) is supported", n.i("axis", 1));
  proto::Node& flat = n.emit("Flatten", {n.data(0)});
  add_attr(flat, "axis").set_i(1);
}

void import_reshape(OnnxNode& n) {
  if (n.i("allowzero", 0) != 0) refuse("attr 'allowzero' = 1 is not supported");
  std::optional<IntConst> shape = n.int_const(1);
  if (!shape)
    refuse(
        "the shape (input 1) is computed at run time; graphrun folds only shapes known at load time "
        "(Constant, initializers, Shape/Gather/Unsqueeze/Concat of static shapes)");
  if (std::optional<IntConst> data = n.int_const(0)) return fold_int_reshape(n, *data, shape->values);
  Dims x = n.dims(0), target;
  bool has_batch = false, has_infer = false;
  for (size_t j = 0; j < shape->values.size(); ++j) {
    int64_t v = shape->values[j];
    if (v == 0) {
      if (j >= x.size()) refuse("shape entry {} is 0 but the input has rank {}", j, x.size());
      v = x[j] == kBatch ? kBatchValue : x[j];
    }
    if (v == kBatchValue) has_batch = true;
    if (v == -1) has_infer = true;
    target.push_back(v);
  }
  if (has_batch && has_infer) {  // compute the -1 from the rest: graphrun keeps one -1, the batch's
    int64_t known = 1, rest = 1;
    for (int64_t d : x)
      if (d != kBatch) known *= d;
    for (int64_t v : target)
      if (v != -1 && v != kBatchValue) rest *= v;
    if (rest == 0 || known % rest != 0)
      refuse("shape [{}] does not divide the input's elements", fmt::join(target, ", "));
    for (auto& v : target)
      if (v == -1) v = known / rest;
  }
  bool input_batched = !x.empty() && x[0] == kBatch;
  // A model exported with a fixed batch may reshape across it: it then runs at that batch size
  // only (graphrun's Reshape says so at another).
  if (input_batched && !has_batch && !has_infer && !n.batch_is_fixed())
    refuse("shape [{}] was frozen at the export's batch size; re-export with a dynamic batch (dynamic_axes)",
           fmt::join(shape->values, ", "));
  for (auto& v : target)
    if (v == kBatchValue) v = -1;
  proto::Node& r = n.emit("Reshape", {n.data(0)});
  auto* s = add_attr(r, "shape").mutable_shape();
  for (int64_t v : target) s->add_dim(v);
}

void export_flatten(onnx_export::ExportNode& x) {
  const Node& node = x.node();
  int64_t rank = x.input_info(0).shape.rank(), axis = node.attrs.i("axis");
  if (axis < 0) axis += rank;
  if (axis != 1 && axis + 1 != rank)
    fail("Flatten '{}': axis {} of a rank-{} input has no ONNX Flatten form", node.name, axis, rank);
  onnx_export::set_int(x.add("Flatten", x.inputs()), "axis", axis);
}

void export_reshape(onnx_export::ExportNode& x) {
  Shape target = x.node().attrs.shape("shape");
  x.add("Reshape", {x.inputs()[0], x.int64_initializer(x.node().name + "/shape", target.dims())});
}

GR_ONNX_IMPORT("Flatten", import_flatten, 1, 9, 11, 13);
GR_ONNX_IMPORT("Reshape", import_reshape, 5, 13, 14);
GR_ONNX_EXPORT("Flatten", export_flatten);
GR_ONNX_EXPORT("Reshape", export_reshape);

}  // namespace

}  // namespace graphrun
