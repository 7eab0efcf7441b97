#include "ops/common/pool_onnx.h"

#include <fmt/ranges.h>

#include "ops/common/pool_geometry.h"

namespace graphrun::pool {

using Dims = std::vector<int64_t>;
using namespace onnx_import;

proto::Node& import_pool_window(OnnxNode& n, const std::string& op) {
  Dims hw = hw_of(n.dims(0));
  Dims kernel = n.ints("kernel_shape");
  if (kernel.size() != 2) refuse("attr 'kernel_shape' must have 2 values (2-D pooling), got {}", kernel.size());
  Dims strides = n.ints("strides", {1, 1}), dilations = n.ints("dilations", {1, 1});
  if (strides.size() != 2) refuse("attr 'strides' must have 2 values");
  if (dilations != Dims{1, 1})
    refuse("attr 'dilations' = [{}]: graphrun pools without dilation", fmt::join(dilations, ", "));
  if (n.i("storage_order", 0) != 0) refuse("attr 'storage_order' = 1 (column-major indices) is not supported");
  Dims pad = symmetric_pads(n, hw, kernel, strides, dilations);
  bool ceil_mode = n.i("ceil_mode", 0) != 0;
  for (int d = 0; d < 2; ++d) {
    if (pad[d] > kernel[d] / 2)
      refuse("pad {} is more than half the kernel {}: graphrun (as PyTorch) refuses windows of padding only", pad[d],
             kernel[d]);
    int64_t span = hw[d] + 2 * pad[d] - kernel[d];
    int64_t onnx_out = (ceil_mode ? (span + strides[d] - 1) / strides[d] : span / strides[d]) + 1;
    int64_t ours = output_size(hw[d], kernel[d], strides[d], pad[d], ceil_mode);
    if (onnx_out != ours)
      refuse(
          "ceil_mode output size {} along axis {} is {} in ONNX but {} in graphrun (PyTorch's rule drops a last "
          "window that starts in the padding)",
          d + 2, d + 2, onnx_out, ours);
  }
  if (n.output_used(1)) refuse("output 1 (Indices) is used; graphrun's MaxPool has no indices output");
  proto::Node& pool = n.emit(op, {n.data(0)});
  ints_attr(pool, "kernel", kernel);
  ints_attr(pool, "stride", strides);
  ints_attr(pool, "pad", pad);
  add_attr(pool, "ceil_mode").set_b(ceil_mode);
  return pool;
}

void export_pool_window(const onnx_export::ExportNode& x, onnx::NodeProto& n) {
  const Node& node = x.node();
  Geometry geo = geometry(node.attrs, x.input_info(0).shape);
  for (int d = 0; d < 2; ++d) {
    // ONNX 1.12's ceil rule keeps a last window that starts in the padding; graphrun's drops it.
    int64_t span = geo.in[d] + 2 * geo.pad[d] - geo.kernel[d];
    int64_t onnx_out = (geo.ceil_mode ? (span + geo.stride[d] - 1) / geo.stride[d] : span / geo.stride[d]) + 1;
    if (onnx_out != geo.out[d])
      fail("{} '{}': its ceil_mode output size {} differs from ONNX's {} (a last window starts in the padding)",
           node.op, node.name, geo.out[d], onnx_out);
  }
  onnx_export::set_ints(n, "kernel_shape", {geo.kernel[0], geo.kernel[1]});
  onnx_export::set_ints(n, "strides", {geo.stride[0], geo.stride[1]});
  onnx_export::set_ints(n, "pads", {geo.pad[0], geo.pad[1], geo.pad[0], geo.pad[1]});
  if (geo.ceil_mode) onnx_export::set_int(n, "ceil_mode", 1);
}

}  // namespace graphrun::pool
