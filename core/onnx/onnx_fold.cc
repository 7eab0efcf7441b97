// Integer tensors known at load time, folded: the shape arithmetic exporters write around
// Reshape and Pad. PyTorch writes F.pad (ZeroPad2d, ...) from opset 11 on as
// Constant -> ConstantOfShape -> Concat -> Reshape -> Slice (reversed) -> Transpose -> Reshape ->
// Cast -> Pad: every value is a constant, so graphrun computes them here, as it does
// Constant / Shape / Gather / Unsqueeze, and the Pad (or Reshape) gets plain numbers. These ops on
// data computed at run time are refused by name. ONNX ops that share a name with a graphrun op
// are registered from that op's folder, with these folds (ops/slice, ops/cast, ops/reshape).
#include <fmt/ranges.h>

#include <cstring>

#include "core/onnx/onnx_importer.h"
#include "core/onnx/onnx_registry.h"
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

}  // namespace

void fold_int_slice(OnnxNode& n) {
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

namespace {

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

void convert_constant(OnnxNode& n) {
  onnx::TensorProto value;
  if (const onnx::TensorProto* t = n.tensor_attr("value")) {
    value = *t;
  } else if (n.has_attr("value_float")) {
    value.set_data_type(onnx::TensorProto::FLOAT);
    value.add_float_data(n.f("value_float", 0));
  } else if (n.has_attr("value_floats")) {
    refuse("attr 'value_floats' is not supported");
  } else if (n.has_attr("value_int")) {
    n.set_int_output(0, IntConst{{}, {n.i("value_int", 0)}});
    return;
  } else if (n.has_attr("value_ints")) {
    Dims v = n.ints("value_ints");
    n.set_int_output(0, IntConst{{static_cast<int64_t>(v.size())}, v});
    return;
  } else {
    refuse("only 'value', 'value_float', 'value_int' and 'value_ints' constants are supported");
  }
  value.set_name(n.proto().output(0));
  if (auto ints = decode_ints(value)) {
    n.set_int_output(0, IntConst{ints->first, ints->second});
    return;
  }
  if (value.data_type() != onnx::TensorProto::FLOAT && value.data_type() != onnx::TensorProto::DOUBLE &&
      value.data_type() != onnx::TensorProto::BOOL)
    refuse("a constant of element type {} is not supported",
           onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(value.data_type())));
  n.set_tensor_output(0, value);
}

void convert_shape(OnnxNode& n) {
  Dims x = n.dims(0);
  IntConst out;
  for (size_t j = 0; j < x.size(); ++j) {
    if (x[j] == kUnknown) refuse("dimension {} of '{}' is not known at load time", j, n.proto().input(0));
    out.values.push_back(x[j] == kBatch ? kBatchValue : x[j]);
  }
  int64_t rank = static_cast<int64_t>(x.size());
  int64_t start = n.i("start", 0), end = n.i("end", rank);  // Shape-15
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank), end = std::clamp<int64_t>(end, start, rank);
  out.values = Dims(out.values.begin() + start, out.values.begin() + end);
  out.dims = {static_cast<int64_t>(out.values.size())};
  n.set_int_output(0, out);
}

void convert_gather(OnnxNode& n) {
  auto data = n.int_const(0), indices = n.int_const(1);
  if (!data || !indices) refuse("only Gather of integer values known at load time (shape arithmetic) is supported");
  if (data->dims.size() != 1 || n.i("axis", 0) != 0) refuse("only Gather from a 1-D integer tensor is folded");
  IntConst out{indices->dims, {}};
  const int64_t size = static_cast<int64_t>(data->values.size());
  for (int64_t i : indices->values) {
    if (i < 0) i += size;
    if (i < 0 || i >= size) refuse("index {} is out of range for {} values", i, size);
    out.values.push_back(data->values[i]);
  }
  n.set_int_output(0, out);
}

void convert_unsqueeze(OnnxNode& n) {
  auto data = n.int_const(0);
  if (!data) refuse("only Unsqueeze of integer values known at load time (shape arithmetic) is supported");
  Dims axes = n.version() < 13 ? n.ints("axes") : (n.int_const(1) ? n.int_const(1)->values : Dims{});
  if (axes.empty()) refuse("the axes must be known at load time");
  IntConst out = *data;
  const int64_t rank = static_cast<int64_t>(out.dims.size() + axes.size());
  for (int64_t& a : axes) a = a < 0 ? a + rank : a;
  std::sort(axes.begin(), axes.end());
  for (int64_t a : axes) {
    if (a < 0 || a > static_cast<int64_t>(out.dims.size())) refuse("axis {} is out of range", a);
    out.dims.insert(out.dims.begin() + a, 1);
  }
  n.set_int_output(0, out);
}

// Versions: every since-version of the op that opsets 7 to 17 resolve to (onnx_import_test
// checks them against ONNX's schema registry).
GR_ONNX_IMPORT("Constant", convert_constant, 1, 9, 11, 12, 13);
GR_ONNX_IMPORT("ConstantOfShape", convert_constant_of_shape, 9);
GR_ONNX_IMPORT("Gather", convert_gather, 1, 11, 13);
GR_ONNX_IMPORT("Shape", convert_shape, 1, 13, 15);
GR_ONNX_IMPORT("Transpose", convert_transpose, 1, 13);
GR_ONNX_IMPORT("Unsqueeze", convert_unsqueeze, 1, 11, 13);

}  // namespace

void fold_int_cast(OnnxNode& n) {
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
