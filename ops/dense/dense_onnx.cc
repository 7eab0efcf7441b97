// Dense as ONNX's Gemm (Y = alpha * A * B' + beta * C) and MatMul (a Linear layer without bias).
// Dense's weight is [out, in], Gemm's B with transB = 1; another B is transposed at load time,
// and alpha and beta fold into the weights.
#include <fmt/ranges.h>

#include "core/onnx/onnx_registry.h"
#include "core/onnx/onnx_tensor.h"

namespace graphrun {

namespace {

using Dims = std::vector<int64_t>;
using namespace onnx_import;

// C is a bias broadcast along the batch ([], [1], [units] or [1, units]).
void import_gemm(OnnxNode& n) {
  if (n.i("transA", 0) != 0) refuse("attr 'transA' = 1 is not supported");
  Dims a = n.dims(0);
  if (a.size() != 2) refuse("input A must be 2-D, got rank {}", a.size());
  const onnx::TensorProto* b = n.float_const(1);
  if (!b || b->dims_size() != 2) refuse("B (input 1) must be a 2-D initializer");
  const bool trans_b = n.i("transB", 0) != 0;
  const int64_t units = trans_b ? b->dims(0) : b->dims(1);
  const double alpha = n.f("alpha", 1.0f), beta = n.f("beta", 1.0f);
  std::vector<std::string> inputs{n.data(0)};
  if (alpha == 1) {
    inputs.push_back(n.weight(1, /*transpose=*/!trans_b));
  } else {
    std::vector<double> w = float_values(*b, n.proto().input(1));
    for (double& v : w) v *= alpha;
    proto::Tensor value = vector_tensor(w, graphrun_dtype(*b), {b->dims(0), b->dims(1)});
    inputs.push_back(n.computed_weight("weight", trans_b ? value : transposed(value)));
  }
  const bool bias = n.has_input(2);
  if (bias) {
    const onnx::TensorProto* c = n.float_const(2);
    Dims c_dims = c ? Dims(c->dims().begin(), c->dims().end()) : Dims{};
    const bool broadcast = c_dims.empty() || c_dims == Dims{1} || c_dims == Dims{units} || c_dims == Dims{1, units} ||
                           c_dims == Dims{1, 1};
    if (!c || !broadcast)
      refuse("C (input 2) must be an initializer broadcast along the batch ([], [1], [{0}] or [1, {0}]), got [{1}]",
             units, fmt::join(c_dims, ", "));
    if (beta == 1 && c_dims == Dims{units}) {
      inputs.push_back(n.weight(2));
    } else {
      std::vector<double> values = float_values(*c, n.proto().input(2)), expanded(units);
      for (int64_t j = 0; j < units; ++j) expanded[j] = beta * values[values.size() == 1 ? 0 : j];
      inputs.push_back(n.computed_weight("bias", vector_tensor(expanded, graphrun_dtype(*c), {units})));
    }
  }
  proto::Node& dense = n.emit("Dense", inputs);
  add_attr(dense, "units").set_i(units);
  add_attr(dense, "use_bias").set_b(bias);
}

void import_matmul(OnnxNode& n) {
  Dims a = n.dims(0);
  const onnx::TensorProto* b = n.float_const(1);
  if (a.size() != 2 || !b || b->dims_size() != 2)
    refuse("only [batch, in] x [in, out] with B an initializer is supported (a Linear layer without bias)");
  proto::Node& dense = n.emit("Dense", {n.data(0), n.weight(1, /*transpose=*/true)});
  add_attr(dense, "units").set_i(b->dims(1));
  add_attr(dense, "use_bias").set_b(false);
}

void export_dense(onnx_export::ExportNode& x) {
  onnx_export::set_int(x.add("Gemm", x.inputs()), "transB", 1);  // W is [out, in]
}

GR_ONNX_IMPORT("Gemm", import_gemm, 7, 9, 11, 13);
GR_ONNX_IMPORT("MatMul", import_matmul, 1, 9, 13);
GR_ONNX_EXPORT("Dense", export_dense);

}  // namespace

}  // namespace graphrun
