// AvgPool as ONNX's AveragePool, both ways, and GlobalAveragePool imported as an AvgPool over the
// whole height and width. ONNX's count_include_pad defaults to 0, as graphrun's does.
#include "ops/common/pool_onnx.h"

namespace graphrun {

namespace {

using namespace onnx_import;

void import_average_pool(OnnxNode& n) {
  // A folded Pad's zeros are elements of the window: counted, as the pool's own padding then must be.
  bool include_pad = n.i("count_include_pad", 0) != 0 || !n.folded_pads(0).empty();
  if (include_pad && n.i("ceil_mode", 0) != 0)
    refuse(
        "count_include_pad = 1 with ceil_mode = 1: the divisor of a window past the padding differs between "
        "frameworks");
  proto::Node& pool = pool::import_pool_window(n, "AvgPool");
  add_attr(pool, "count_include_pad").set_b(include_pad);
}

void import_global_average_pool(OnnxNode& n) {
  std::vector<int64_t> hw = hw_of(n.dims(0));
  proto::Node& pool = n.emit("AvgPool", {n.data(0)});
  ints_attr(pool, "kernel", hw);
}

void export_avg_pool(onnx_export::ExportNode& x) {
  auto& n = x.add("AveragePool", x.inputs());
  pool::export_pool_window(x, n);
  onnx_export::set_int(n, "count_include_pad", x.node().attrs.b("count_include_pad") ? 1 : 0);
}

GR_ONNX_IMPORT("AveragePool", import_average_pool, 7, 10, 11);
GR_ONNX_IMPORT("GlobalAveragePool", import_global_average_pool, 1);
GR_ONNX_EXPORT("AvgPool", export_avg_pool);

}  // namespace

}  // namespace graphrun
