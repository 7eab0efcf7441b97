// LRN as ONNX's LRN, both ways; alpha is divided by size in both conventions. ONNX's LRN has no
// channel groups: a grouped LRN exports as Split + one LRN per group + Concat.
#include <fmt/format.h>

#include "core/onnx/onnx_registry.h"

namespace graphrun {

namespace {

using namespace onnx_import;
using onnx_export::set_float;
using onnx_export::set_int;

void import_lrn(OnnxNode& n) {
  int64_t size = n.i("size", 0);
  if (size <= 0 || size % 2 == 0)
    refuse(
        "attr 'size' = {}: graphrun's LRN takes an odd size (an even window is centred differently by ONNX and "
        "PyTorch)",
        size);
  proto::Node& lrn = n.emit("LRN", {n.data(0)});
  add_attr(lrn, "size").set_i(size);
  add_attr(lrn, "alpha").set_f(n.f("alpha", 1e-4f));
  add_attr(lrn, "beta").set_f(n.f("beta", 0.75f));
  add_attr(lrn, "bias").set_f(n.f("bias", 1.0f));
}

void export_lrn(onnx_export::ExportNode& x) {
  const Node& node = x.node();
  const int64_t groups = node.attrs.i("groups");
  auto lrn = [&](onnx::NodeProto& n) {
    set_int(n, "size", node.attrs.i("size"));
    set_float(n, "alpha", node.attrs.f("alpha"));
    set_float(n, "beta", node.attrs.f("beta"));
    set_float(n, "bias", node.attrs.f("bias"));
  };
  if (groups == 1) {
    lrn(x.add("LRN", x.inputs()));
    return;
  }
  auto& split = x.add("Split", x.inputs(), "/split");
  set_int(split, "axis", 1);
  std::vector<std::string> parts;
  for (int64_t k = 0; k < groups; ++k) {
    split.add_output(fmt::format("{}/split:{}", node.name, k));
    auto& n = x.add("LRN", {split.output(k)}, fmt::format("/lrn{}", k));
    n.add_output(fmt::format("{}/lrn{}", node.name, k));
    lrn(n);
    parts.push_back(n.output(0));
  }
  auto& concat = x.add("Concat", parts);  // named after the node, writing its output
  set_int(concat, "axis", 1);
}

GR_ONNX_IMPORT("LRN", import_lrn, 1, 13);
GR_ONNX_EXPORT("LRN", export_lrn);

}  // namespace

}  // namespace graphrun
