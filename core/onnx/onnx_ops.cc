// One converter per ONNX op: each maps a node to graphrun ops whose semantics match exactly,
// and refuses (naming the attr and its value) what would differ. The frameworks' traps are
// handled here: ONNX pads are [begin..., end...] and may be asymmetric (graphrun pads both sides
// equally); ceil_mode sizes differ where a window starts in the padding (ONNX 1.12 keeps it,
// PyTorch drops it); AveragePool's count_include_pad defaults to 0; Softmax before opset 13
// flattens at `axis`; LRN's alpha is divided by size in both; Gemm's B is [out, in] with
// transB = 1 (Dense's layout) and is transposed at load time otherwise.
#include <fmt/ranges.h>

#include <cstring>
#include <numeric>

#include "core/onnx/onnx_importer.h"
#include "core/onnx/onnx_tensor.h"
#include "ops/common/pool_geometry.h"

namespace graphrun::onnx_import {

namespace {

using Dims = std::vector<int64_t>;

int64_t normalized_axis(int64_t axis, int64_t rank) {
  int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) refuse("attr 'axis' = {} is out of range for rank {}", axis, rank);
  return a;
}

bool scalar_bool(const onnx::TensorProto& t) {
  if (t.data_type() != onnx::TensorProto::BOOL) refuse("'{}' is not a bool scalar", t.name());
  if (t.has_raw_data() && t.raw_data().size() == 1) return t.raw_data()[0] != 0;
  if (t.int32_data_size() == 1) return t.int32_data(0) != 0;
  refuse("'{}' is not a bool scalar", t.name());
}

// ONNX's explicit or automatic 2-D padding as graphrun's symmetric [ph, pw].
Dims symmetric_pads(const OnnxNode& n, const Dims& in_hw, const Dims& kernel, const Dims& strides,
                    const Dims& dilations) {
  std::string auto_pad = n.s("auto_pad", "NOTSET");
  Dims pads = n.ints("pads", {0, 0, 0, 0});
  if (auto_pad == "VALID") {
    pads = {0, 0, 0, 0};
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (int d = 0; d < 2; ++d) {
      int64_t out = (in_hw[d] + strides[d] - 1) / strides[d];
      int64_t total = std::max<int64_t>(0, (out - 1) * strides[d] + (kernel[d] - 1) * dilations[d] + 1 - in_hw[d]);
      int64_t small = total / 2, big = total - small;
      pads[d] = auto_pad == "SAME_UPPER" ? small : big;
      pads[d + 2] = auto_pad == "SAME_UPPER" ? big : small;
    }
  } else if (auto_pad != "NOTSET") {
    refuse("attr 'auto_pad' = {} is not an ONNX value", auto_pad);
  }
  if (pads.size() != 4) refuse("attr 'pads' has {} values; graphrun takes 2-D windows (4 values)", pads.size());
  Dims folded = n.folded_pads(0);  // a zero Pad upstream, folded in by convert_pad
  for (size_t j = 0; j < folded.size(); ++j) pads[j] += folded[j];
  if (pads[0] != pads[2] || pads[1] != pads[3])
    refuse("{}pads [{}] are asymmetric; graphrun pads both sides of an axis equally", auto_pad == "NOTSET" ? "" : "auto_pad " + auto_pad + " gives ",
           fmt::join(pads, ", "));
  return {pads[0], pads[1]};
}

Dims hw_of(const Dims& x) {
  if (x.size() != 4) refuse("input must be 4-D [N, C, H, W], got rank {}", x.size());
  if (x[2] < 0 || x[3] < 0) refuse("input's height and width must be known numbers");
  return {x[2], x[3]};
}

void convert_conv(OnnxNode& n) {
  Dims x = n.dims(0), hw = hw_of(x);
  const onnx::TensorProto* w = n.float_const(1);
  if (!w) refuse("the weight (input 1) must be an initializer");
  if (w->dims_size() != 4) refuse("the weight has rank {}; graphrun convolves 2-D (OIHW weights)", w->dims_size());
  Dims kernel{w->dims(2), w->dims(3)};
  if (n.has_attr("kernel_shape") && n.ints("kernel_shape") != kernel)
    refuse("attr 'kernel_shape' [{}] differs from the weight's [{}]", fmt::join(n.ints("kernel_shape"), ", "),
           fmt::join(kernel, ", "));
  Dims strides = n.ints("strides", {1, 1}), dilations = n.ints("dilations", {1, 1});
  if (strides.size() != 2 || dilations.size() != 2) refuse("strides and dilations must have 2 values");
  Dims pad = symmetric_pads(n, hw, kernel, strides, dilations);
  std::vector<std::string> inputs{n.data(0), n.weight(1)};
  bool bias = n.has_input(2);
  if (bias) inputs.push_back(n.weight(2));
  proto::Node& conv = n.emit("Conv2D", inputs);
  add_attr(conv, "filters").set_i(w->dims(0));
  ints_attr(conv, "kernel", kernel);
  ints_attr(conv, "stride", strides);
  ints_attr(conv, "pad", pad);
  ints_attr(conv, "dilation", dilations);
  add_attr(conv, "groups").set_i(n.i("group", 1));
  add_attr(conv, "use_bias").set_b(bias);
}

// MaxPool and AveragePool: the window attrs, checked against what graphrun's pooling computes.
proto::Node& convert_pool(OnnxNode& n, const std::string& op) {
  Dims hw = hw_of(n.dims(0));
  Dims kernel = n.ints("kernel_shape");
  if (kernel.size() != 2) refuse("attr 'kernel_shape' must have 2 values (2-D pooling), got {}", kernel.size());
  Dims strides = n.ints("strides", {1, 1}), dilations = n.ints("dilations", {1, 1});
  if (strides.size() != 2) refuse("attr 'strides' must have 2 values");
  if (dilations != Dims{1, 1}) refuse("attr 'dilations' = [{}]: graphrun pools without dilation", fmt::join(dilations, ", "));
  if (n.i("storage_order", 0) != 0) refuse("attr 'storage_order' = 1 (column-major indices) is not supported");
  Dims pad = symmetric_pads(n, hw, kernel, strides, dilations);
  bool ceil_mode = n.i("ceil_mode", 0) != 0;
  for (int d = 0; d < 2; ++d) {
    if (pad[d] > kernel[d] / 2)
      refuse("pad {} is more than half the kernel {}: graphrun (as PyTorch) refuses windows of padding only", pad[d],
             kernel[d]);
    int64_t span = hw[d] + 2 * pad[d] - kernel[d];
    int64_t onnx_out = (ceil_mode ? (span + strides[d] - 1) / strides[d] : span / strides[d]) + 1;
    int64_t ours = pool::output_size(hw[d], kernel[d], strides[d], pad[d], ceil_mode);
    if (onnx_out != ours)
      refuse("ceil_mode output size {} along axis {} is {} in ONNX but {} in graphrun (PyTorch's rule drops a last "
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

void convert_average_pool(OnnxNode& n) {
  // A folded Pad's zeros are elements of the window: counted, as the pool's own padding then must be.
  bool include_pad = n.i("count_include_pad", 0) != 0 || !n.folded_pads(0).empty();
  if (include_pad && n.i("ceil_mode", 0) != 0)
    refuse("count_include_pad = 1 with ceil_mode = 1: the divisor of a window past the padding differs between frameworks");
  proto::Node& pool = convert_pool(n, "AvgPool");
  add_attr(pool, "count_include_pad").set_b(include_pad);
}

void convert_global_average_pool(OnnxNode& n) {
  Dims hw = hw_of(n.dims(0));
  proto::Node& pool = n.emit("AvgPool", {n.data(0)});
  ints_attr(pool, "kernel", hw);
}

void convert_lrn(OnnxNode& n) {
  int64_t size = n.i("size", 0);
  if (size <= 0 || size % 2 == 0)
    refuse("attr 'size' = {}: graphrun's LRN takes an odd size (an even window is centred differently by ONNX and "
           "PyTorch)",
           size);
  proto::Node& lrn = n.emit("LRN", {n.data(0)});
  add_attr(lrn, "size").set_i(size);
  add_attr(lrn, "alpha").set_f(n.f("alpha", 1e-4f));  // divided by size in both conventions
  add_attr(lrn, "beta").set_f(n.f("beta", 0.75f));
  add_attr(lrn, "bias").set_f(n.f("bias", 1.0f));
}

// Y = alpha * A * B' + beta * C with C a bias broadcast along the batch ([], [1], [units] or
// [1, units]); alpha and beta are folded into the weights at load time.
void convert_gemm(OnnxNode& n) {
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

void convert_matmul(OnnxNode& n) {
  Dims a = n.dims(0);
  const onnx::TensorProto* b = n.float_const(1);
  if (a.size() != 2 || !b || b->dims_size() != 2)
    refuse("only [batch, in] x [in, out] with B an initializer is supported (a Linear layer without bias)");
  proto::Node& dense = n.emit("Dense", {n.data(0), n.weight(1, /*transpose=*/true)});
  add_attr(dense, "units").set_i(b->dims(1));
  add_attr(dense, "use_bias").set_b(false);
}

void convert_concat(OnnxNode& n) {
  bool all_ints = true;
  for (int k = 0; k < n.num_inputs(); ++k) all_ints = all_ints && n.int_const(k).has_value();
  if (all_ints) {  // shape arithmetic, folded
    IntConst out;
    for (int k = 0; k < n.num_inputs(); ++k) {
      IntConst c = *n.int_const(k);
      if (c.dims.size() != 1) refuse("folding a Concat of rank-{} integer tensors is not supported", c.dims.size());
      out.values.insert(out.values.end(), c.values.begin(), c.values.end());
    }
    out.dims = {static_cast<int64_t>(out.values.size())};
    n.set_int_output(0, out);
    return;
  }
  std::vector<std::string> inputs;
  for (int k = 0; k < n.num_inputs(); ++k) inputs.push_back(n.data(k));
  proto::Node& concat = n.emit("Concat", inputs);
  add_attr(concat, "axis").set_i(normalized_axis(n.i("axis", 1), static_cast<int64_t>(n.dims(0).size())));
}

void convert_flatten(OnnxNode& n) {
  Dims x = n.dims(0);
  int64_t axis = n.i("axis", 1);
  if (axis < 0) axis += static_cast<int64_t>(x.size());
  if (axis != 1) refuse("attr 'axis' = {}: only axis 1 (keep the batch, merge the rest) is supported", n.i("axis", 1));
  proto::Node& flat = n.emit("Flatten", {n.data(0)});
  add_attr(flat, "axis").set_i(1);
}

void convert_reshape(OnnxNode& n) {
  if (n.i("allowzero", 0) != 0) refuse("attr 'allowzero' = 1 is not supported");
  std::optional<IntConst> shape = n.int_const(1);
  if (!shape) refuse("the shape (input 1) is computed at run time; graphrun folds only shapes known at load time "
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
    if (rest == 0 || known % rest != 0) refuse("shape [{}] does not divide the input's elements", fmt::join(target, ", "));
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

void convert_dropout(OnnxNode& n) {
  if (n.output_used(1)) refuse("output 1 (mask) is used; graphrun's Dropout has no mask output");
  float ratio = 0.5f;
  if (n.version() < 12) ratio = n.f("ratio", 0.5f);
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

void convert_softmax(OnnxNode& n) {
  int64_t rank = static_cast<int64_t>(n.dims(0).size());
  int64_t axis = normalized_axis(n.i("axis", n.version() < 13 ? 1 : -1), rank);
  // Before opset 13 the input is flattened to 2-D at axis: the same as per-axis only at the last.
  if (n.version() < 13 && axis != rank - 1)
    refuse("Softmax-{} with axis {} on rank {} normalizes over all dimensions from the axis on; graphrun's Softmax "
           "normalizes one axis (re-export at opset 13 or later)",
           n.version(), axis, rank);
  proto::Node& s = n.emit("Softmax", {n.data(0)});
  add_attr(s, "axis").set_i(axis);
}

void convert_identity(OnnxNode& n) {
  if (n.float_const(0) || n.int_const(0)) {
    n.alias_output(0, n.proto().input(0));
    return;
  }
  n.emit("Identity", {n.data(0)});
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

// Equal parts only (graphrun's Split); each ONNX output k is "<node>:k".
void convert_split(OnnxNode& n) {
  Dims x = n.dims(0);
  int64_t axis = normalized_axis(n.i("axis", 0), static_cast<int64_t>(x.size()));
  int64_t parts = n.proto().output_size();
  Dims split = n.version() < 13 ? n.ints("split") : (n.int_const(1) ? n.int_const(1)->values : Dims{});
  if (n.version() >= 13 && n.has_input(1) && !n.int_const(1)) refuse("the split sizes (input 1) must be known at load time");
  for (int64_t s : split)
    if (s != split[0]) refuse("unequal parts [{}]: graphrun's Split makes equal parts", fmt::join(split, ", "));
  if (x[axis] < 0 || x[axis] % parts != 0) refuse("{} outputs do not divide axis {} of size {}", parts, axis, x[axis]);
  proto::Node& node = n.emit("Split", {n.data(0)});
  add_attr(node, "axis").set_i(axis);
  add_attr(node, "num_split").set_i(parts);
  for (int k = 1; k < parts; ++k) n.set_output(k, fmt::format("{}:{}", node.name(), k));
}

void same_op(OnnxNode& n, const std::string& op) { n.emit(op, {n.data(0)}); }

}  // namespace

const std::map<std::string, OpSupport>& converters() {
  // Versions: every since-version of the op that opsets 7 to 17 resolve to (onnx_import_test
  // checks this list against ONNX's schema registry).
  static const std::map<std::string, OpSupport> table = {
      {"Add", {{7, 13, 14}, [](OnnxNode& n) { convert_same_shape_binary(n, "Add"); }}},
      {"BatchNormalization", {{7, 9, 14, 15}, convert_batch_normalization}},
      {"Cast", {{6, 9, 13}, convert_cast}},
      {"Clip", {{6, 11, 12, 13}, convert_clip}},
      {"AveragePool", {{7, 10, 11}, convert_average_pool}},
      {"Concat", {{4, 11, 13}, convert_concat}},
      {"Constant", {{1, 9, 11, 12, 13}, convert_constant}},
      {"ConstantOfShape", {{9}, convert_constant_of_shape}},
      {"Conv", {{1, 11}, convert_conv}},
      {"Dropout", {{7, 10, 12, 13}, convert_dropout}},
      {"Flatten", {{1, 9, 11, 13}, convert_flatten}},
      {"Gather", {{1, 11, 13}, convert_gather}},
      {"Gemm", {{7, 9, 11, 13}, convert_gemm}},
      {"GlobalAveragePool", {{1}, convert_global_average_pool}},
      {"Identity", {{1, 13, 14, 16}, convert_identity}},
      {"LRN", {{1, 13}, convert_lrn}},
      {"LeakyRelu", {{6, 16}, convert_leaky_relu}},
      {"MatMul", {{1, 9, 13}, convert_matmul}},
      {"Mul", {{7, 13, 14}, [](OnnxNode& n) { convert_same_shape_binary(n, "Mul"); }}},
      {"MaxPool", {{1, 8, 10, 11, 12}, [](OnnxNode& n) { convert_pool(n, "MaxPool"); }}},
      {"Pad", {{2, 11, 13}, convert_pad}},
      {"Relu", {{6, 13, 14}, [](OnnxNode& n) { same_op(n, "Relu"); }}},
      {"Reshape", {{5, 13, 14}, convert_reshape}},
      {"Shape", {{1, 13, 15}, convert_shape}},
      {"Sigmoid", {{6, 13}, [](OnnxNode& n) { same_op(n, "Sigmoid"); }}},
      {"Slice", {{1, 10, 11, 13}, convert_slice}},
      {"Softmax", {{1, 11, 13}, convert_softmax}},
      {"Split", {{2, 11, 13}, convert_split}},
      {"Tanh", {{6, 13}, [](OnnxNode& n) { same_op(n, "Tanh"); }}},
      {"Transpose", {{1, 13}, convert_transpose}},
      {"Unsqueeze", {{1, 11, 13}, convert_unsqueeze}},
  };
  return table;
}

}  // namespace graphrun::onnx_import
