// ONNX's Dropout imports as Dropout; graphrun's Dropout exports as nothing: it is the identity at
// inference, so its output is its input in the model.
#include "core/onnx/onnx_registry.h"
#include "core/onnx/onnx_tensor.h"

namespace graphrun {

namespace {

using namespace onnx_import;

bool scalar_bool(const onnx::TensorProto& t) {
  if (t.data_type() != onnx::TensorProto::BOOL) refuse("'{}' is not a bool scalar", t.name());
  if (t.has_raw_data() && t.raw_data().size() == 1) return t.raw_data()[0] != 0;
  if (t.int32_data_size() == 1) return t.int32_data(0) != 0;
  refuse("'{}' is not a bool scalar", t.name());
}

void import_dropout(OnnxNode& n) {
  if (n.output_used(1)) refuse("output 1 (mask) is used; graphrun's Dropout has no mask output");
  float ratio = 0.5f;
  if (n.version() < 12)
    ratio = n.f("ratio", 0.5f);
  else if (n.has_input(1)) {
    const onnx::TensorProto* r = n.float_const(1);
    if (!r) refuse("the ratio (input 1) must be known at load time");
    ratio = scalar_float(*r);
  }
  if (n.version() >= 12 && n.has_input(2)) {
    auto* mode = n.float_const(2);
    if (!mode) refuse("training_mode (input 2) must be known at load time");
    // Either value: graphrun's Dropout drops while training and passes at inference. A seed asks
    // for masks of one generator, which ONNX leaves unspecified: refused where masks are drawn.
    if (scalar_bool(*mode) && n.has_attr("seed"))
      refuse("attr 'seed' with training_mode = 1 is not supported (graphrun keys dropout masks by its run seed)");
  }
  if (ratio < 0 || ratio >= 1) refuse("ratio {} is outside [0, 1)", ratio);
  proto::Node& d = n.emit("Dropout", {n.data(0)});
  add_attr(d, "rate").set_f(ratio);
}

void export_dropout(onnx_export::ExportNode& x) { x.pass_through(0); }

GR_ONNX_IMPORT("Dropout", import_dropout, 7, 10, 12, 13);
GR_ONNX_EXPORT("Dropout", export_dropout);

}  // namespace

}  // namespace graphrun
