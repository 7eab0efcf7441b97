// Pad as ONNX's Pad, both ways. Constant mode only (reflect and edge are refused by name); pads
// as an attr before opset 11, as an input known at load time from 11 on. A zero padding of the
// height and width whose only reader is a Conv or AveragePool folds into that window's own
// padding, as PyTorch's exporter writes them (an AvgPool with count_include_pad becomes Pad +
// AveragePool): one node fewer and no padded copy.
#include <fmt/ranges.h>

#include "core/onnx/onnx_registry.h"
#include "core/onnx/onnx_tensor.h"

namespace graphrun {

using namespace onnx_import;

namespace {

using Dims = std::vector<int64_t>;

// Whether `reader` can take the spatial padding [top, left, bottom, right] of its input 0 into its
// own and compute the same: graphrun's windows pad both sides of an axis equally, and an average
// then counts the padding's zeros (so its own padding must be counted too, and no ceil_mode
// window may run past it).
bool window_takes_pads(const OnnxNode& reader, const std::string& tensor, const Dims& spatial) {
  const onnx::NodeProto& r = reader.proto();
  if (!r.domain().empty() && r.domain() != "ai.onnx") return false;
  if (r.op_type() != "Conv" && r.op_type() != "AveragePool") return false;
  if (r.input(0) != tensor) return false;
  for (int k = 1; k < r.input_size(); ++k)
    if (r.input(k) == tensor) return false;
  std::string auto_pad = reader.s("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "VALID") return false;
  Dims own = auto_pad == "VALID" ? Dims{0, 0, 0, 0} : reader.ints("pads", {0, 0, 0, 0});
  if (own.size() != 4) return false;
  for (int d = 0; d < 2; ++d)
    if (own[d] + spatial[d] != own[d + 2] + spatial[d + 2]) return false;
  if (r.op_type() == "Conv") return true;
  if (reader.i("ceil_mode", 0) != 0) return false;
  const bool own_zero = own == Dims{0, 0, 0, 0};
  if (!own_zero && reader.i("count_include_pad", 0) == 0) return false;
  Dims kernel = reader.ints("kernel_shape");
  if (kernel.size() != 2) return false;
  for (int d = 0; d < 2; ++d)
    if (own[d] + spatial[d] > kernel[d] / 2) return false;  // graphrun's pooling refuses such padding
  return true;
}

void import_pad(OnnxNode& n) {
  std::string mode = n.s("mode", "constant");
  if (mode != "constant") refuse("attr 'mode' = {}: graphrun pads with a constant only", mode);
  Dims pads;
  float value = 0;
  if (n.version() < 11) {
    pads = n.ints("pads");
    value = n.f("value", 0.f);
  } else {
    std::optional<IntConst> p = n.int_const(1);
    if (!p) refuse("the pads (input 1) are computed at run time; graphrun takes pads known at load time");
    pads = p->values;
    if (n.has_input(2)) {
      const onnx::TensorProto* v = n.float_const(2);
      if (!v) refuse("the constant value (input 2) is computed at run time; graphrun takes it known at load time");
      value = scalar_float(*v);
    }
    if (n.has_input(3)) refuse("input 3 (axes) is not supported");
  }
  const size_t rank = n.dims(0).size();
  if (pads.size() != 2 * rank)
    refuse("pads [{}] have {} values; the input has rank {}, so {} are needed", fmt::join(pads, ", "), pads.size(),
           rank, 2 * rank);
  for (int64_t p : pads)
    if (p < 0) refuse("negative pads [{}] (cropping) are not supported", fmt::join(pads, ", "));
  if (value == 0 && rank == 4 && pads[0] == 0 && pads[1] == 0 && pads[4] == 0 && pads[5] == 0) {
    Dims spatial{pads[2], pads[3], pads[6], pads[7]};
    const onnx::NodeProto* reader = n.sole_reader(0);
    if (reader && window_takes_pads(n.look_at(*reader), n.proto().output(0), spatial)) {
      n.fold_pads_into_reader(spatial);
      return;
    }
  }
  proto::Node& pad = n.emit("Pad", {n.data(0)});
  ints_attr(pad, "pads", pads);
  add_attr(pad, "value").set_f(value);
}

// Pad-13 in constant mode (its default): graphrun's pads already have ONNX's layout (all begins,
// then all ends); they and the value are inputs. A zero value is written as -0.0, equal to it in
// every comparison and sum: ONNX Runtime (1.17 to at least 1.31, its PadFusion) folds a Pad whose
// value's bytes are all zero into the MaxPool after it, which changes the result where a window's
// real values are all negative (a max pool's own padding is -inf, not 0).
void export_pad(onnx_export::ExportNode& x) {
  const Node& node = x.node();
  double value = node.attrs.f("value");
  if (value == 0) value = -0.0;
  x.add("Pad", {x.inputs()[0], x.int64_initializer(node.name + "/pads", node.attrs.ints("pads")),
                x.float_initializer(node.name + "/value", x.input_info(0).dtype, {}, {value})});
}

GR_ONNX_IMPORT("Pad", import_pad, 2, 11, 13);
GR_ONNX_EXPORT("Pad", export_pad);

}  // namespace

}  // namespace graphrun
