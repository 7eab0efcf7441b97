// Integer tensors known at load time, folded: the shape arithmetic exporters write around
// Reshape and Pad. PyTorch writes F.pad (ZeroPad2d, ...) from opset 11 on as
// Constant -> ConstantOfShape -> Concat -> Reshape -> Slice (reversed) -> Transpose -> Reshape ->
// Cast -> Pad: every value is a constant, so graphrun computes them here, as it does
// Shape / Gather / Unsqueeze / Concat, and the Pad (or Reshape) gets plain numbers. These ops on
// data computed at run time are refused by name.
#include <fmt/ranges.h>

#include <cstring>

#include "core/onnx/onnx_importer.h"
#include "core/onnx/onnx_tensor.h"

namespace graphrun::onnx_import {

namespace {

using Dims = std::vector<int64_t>;

IntConst folded_input(const OnnxNode& n, int k) {
  std::optional<IntConst> c = n.int_const(k);
  if (!c)
    refuse("input {} '{}' is not an integer tensor known at load time; graphrun folds {} only as shape arithmetic",
           k, n.has_input(k) ? n.proto().input(k) : "", n.proto().op_type());
  return *c;
}

// out[i0, i1, ...] = in[index[0][i0], index[1][i1], ...]: a Slice's picks, per axis.
IntConst pick(const IntConst& in, const std::vector<Dims>& index) {
  IntConst out;
  int64_t total = 1;
  for (const Dims& axis : index) out.dims.push_back(static_cast<int64_t>(axis.size())), total *= axis.size();
  for (int64_t o = 0; o < total; ++o) {
    int64_t rest = o, source = 0, stride = 1;
    for (int d = static_cast<int>(in.dims.size()) - 1; d >= 0; --d) {
      source += index[d][rest % out.dims[d]] * stride;
      rest /= out.dims[d];
      stride *= in.dims[d];
    }
    out.values.push_back(in.values[source]);
  }
  return out;
}

}  // namespace

void convert_constant_of_shape(OnnxNode& n) {
  IntConst shape = folded_input(n, 0);
  int64_t count = 1;
  for (int64_t d : shape.values) {
    if (d < 0) refuse("shape [{}] has a negative dimension", fmt::join(shape.values, ", "));
    count *= d;
  }
  const onnx::TensorProto* value = n.tensor_attr("value");
  if (!value) {  // ONNX's default: float 0
    onnx::TensorProto zeros;
    zeros.set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : shape.values) zeros.add_dims(d);
    zeros.set_raw_data(std::string(count * sizeof(float), '\0'));
    n.set_tensor_output(0, zeros);
    return;
  }
  std::optional<std::pair<Dims, Dims>> ints = decode_ints(*value);
  if (!ints || ints->second.size() != 1) refuse("only an integer fill value is folded");
  n.set_int_output(0, IntConst{shape.values, Dims(count, ints->second[0])});
}

void convert_slice(OnnxNode& n) {
  IntConst data = folded_input(n, 0);
  const int64_t rank = static_cast<int64_t>(data.dims.size());
  Dims starts, ends, axes, steps;
  if (n.version() < 10) {
    starts = n.ints("starts"), ends = n.ints("ends"), axes = n.ints("axes");
  } else {
    starts = folded_input(n, 1).values, ends = folded_input(n, 2).values;
    if (n.has_input(3)) axes = folded_input(n, 3).values;
    if (n.has_input(4)) steps = folded_input(n, 4).values;
  }
  if (axes.empty())
    for (size_t j = 0; j < starts.size(); ++j) axes.push_back(static_cast<int64_t>(j));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    refuse("starts, ends, axes and steps differ in length");
  std::vector<Dims> index(rank);
  for (int64_t d = 0; d < rank; ++d)
    for (int64_t i = 0; i < data.dims[d]; ++i) index[d].push_back(i);
  for (size_t j = 0; j < starts.size(); ++j) {
    int64_t axis = axes[j] < 0 ? axes[j] + rank : axes[j];
    if (axis < 0 || axis >= rank) refuse("axis {} is out of range for rank {}", axes[j], rank);
    const int64_t size = data.dims[axis], step = steps[j];
    if (step == 0) refuse("step 0");
    // ONNX's clamping: negative positions count from the end; a backward slice may end before 0.
    int64_t start = starts[j] < 0 ? starts[j] + size : starts[j];
    int64_t end = ends[j] < 0 ? std::max<int64_t>(ends[j], -size - 1) + size : ends[j];
    start = step > 0 ? std::clamp<int64_t>(start, 0, size) : std::clamp<int64_t>(start, 0, size - 1);
    end = step > 0 ? std::clamp<int64_t>(end, 0, size) : std::clamp<int64_t>(end, -1, size - 1);
    index[axis].clear();
    for (int64_t i = start; step > 0 ? i < end : i > end; i += step) index[axis].push_back(i);
  }
  n.set_int_output(0, pick(data, index));
}

void convert_transpose(OnnxNode& n) {
  IntConst data = folded_input(n, 0);
  const int64_t rank = static_cast<int64_t>(data.dims.size());
  Dims perm = n.ints("perm");
  if (perm.empty())
    for (int64_t d = rank - 1; d >= 0; --d) perm.push_back(d);
  if (static_cast<int64_t>(perm.size()) != rank) refuse("perm [{}] does not match rank {}", fmt::join(perm, ", "), rank);
  IntConst out;
  Dims in_strides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d) in_strides[d] = in_strides[d + 1] * data.dims[d + 1];
  for (int64_t p : perm) {
    if (p < 0 || p >= rank) refuse("perm [{}] is not a permutation of 0..{}", fmt::join(perm, ", "), rank - 1);
    out.dims.push_back(data.dims[p]);
  }
  for (int64_t o = 0; o < static_cast<int64_t>(data.values.size()); ++o) {
    int64_t rest = o, source = 0;
    for (int64_t d = rank - 1; d >= 0; --d) {
      source += (rest % out.dims[d]) * in_strides[perm[d]];
      rest /= out.dims[d];
    }
    out.values.push_back(data.values[source]);
  }
  n.set_int_output(0, out);
}

void convert_cast(OnnxNode& n) {
  const int64_t to = n.i("to", 0);
  if (to != onnx::TensorProto::INT64 && to != onnx::TensorProto::INT32)
    refuse("only casts of integer values known at load time to int32 / int64 (shape arithmetic) are folded; "
           "'to' = {}",
           onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(to)));
  n.set_int_output(0, folded_input(n, 0));
}

// Reshape of an integer tensor known at load time: the same values, new dims (0 copies the
// input's dimension, -1 takes the rest).
void fold_int_reshape(OnnxNode& n, const IntConst& data, const Dims& shape) {
  IntConst out{{}, data.values};
  int64_t known = 1, infer = -1;
  for (size_t j = 0; j < shape.size(); ++j) {
    int64_t v = shape[j] == 0 && j < data.dims.size() ? data.dims[j] : shape[j];
    if (v == -1) infer = static_cast<int64_t>(j);
    else known *= v;
    out.dims.push_back(v);
  }
  const int64_t count = static_cast<int64_t>(data.values.size());
  if (infer >= 0) {
    if (known == 0 || count % known != 0) refuse("shape [{}] does not divide {} values", fmt::join(shape, ", "), count);
    out.dims[infer] = count / known;
  } else if (known != count) {
    refuse("shape [{}] does not hold {} values", fmt::join(shape, ", "), count);
  }
  n.set_int_output(0, out);
}

}  // namespace graphrun::onnx_import
