// The ONNX importer's inside, shared by the model walk (onnx_import.cc) and the per-op
// converters (ops/<op>/<op>_onnx.cc; the shape arithmetic in onnx_fold.cc). One converter
// per ONNX op maps a node to graphrun nodes; it reads the node through OnnxNode, which knows
// the tensors converted so far, the values folded at load time (initializers, Constant, Shape
// arithmetic) and the shapes ONNX's own shape inference gave.
#pragma once

#include <onnx/onnx_pb.h>

#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/proto/graph.pb.h"

namespace graphrun::onnx_import {

// A dimension that is the batch (the model's dynamic first input dimension).
constexpr int64_t kBatch = -1;
// A dimension ONNX's shape inference could not give.
constexpr int64_t kUnknown = -2;

// A node graphrun cannot take: why, in words ("attr 'auto_pad' = SAME_LOWER is not supported").
struct Unsupported : Error {
  using Error::Error;
};
template <typename... Args>
[[noreturn]] void refuse(fmt::format_string<Args...> format, Args&&... args) {
  throw Unsupported(fmt::format(format, std::forward<Args>(args)...));
}

// An integer tensor known at load time (shape arithmetic feeding Reshape); entries equal to
// kBatchValue stand for the batch size.
constexpr int64_t kBatchValue = std::numeric_limits<int64_t>::min();
struct IntConst {
  std::vector<int64_t> dims;
  std::vector<int64_t> values;
};

class Importer;

class OnnxNode {
 public:
  // `version` is the op version the model's opset resolved to (0 for a node only looked at).
  OnnxNode(Importer& im, const onnx::NodeProto& node, int version) : im_(im), node_(node), version_(version) {}

  const onnx::NodeProto& proto() const { return node_; }
  int version() const { return version_; }  // the op version the model's opset resolved to
  // Whether the model fixed its batch size (no dynamic first dimension): graphrun still makes it
  // the batch, but a Reshape may then fold it away, for that batch size.
  bool batch_is_fixed() const;

  bool has_attr(const std::string& name) const;
  int64_t i(const std::string& name, int64_t fallback) const;
  float f(const std::string& name, float fallback) const;
  std::string s(const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> ints(const std::string& name, std::vector<int64_t> fallback = {}) const;
  const onnx::TensorProto* tensor_attr(const std::string& name) const;

  int num_inputs() const { return node_.input_size(); }
  bool has_input(int k) const { return k < node_.input_size() && !node_.input(k).empty(); }
  // An output some node or the graph reads (an unused optional output needs no converter).
  bool output_used(int k) const;

  // The graphrun tensor ("node" or "node:k") for data input k; a float initializer read as data
  // becomes a Variable.
  std::string data(int k);
  // A Variable holding initializer input k (transposed for a [in, out] matrix when asked);
  // refused when the input is computed.
  std::string weight(int k, bool transpose = false);
  // The float values of input k when known at load time.
  const onnx::TensorProto* float_const(int k) const;
  // Integer input k when known at load time (initializer, Constant or folded shape arithmetic).
  std::optional<IntConst> int_const(int k) const;
  // Input k's dims from shape inference (kBatch, kUnknown where not a number).
  std::vector<int64_t> dims(int k) const;
  std::vector<int64_t> static_dims(int k) const;  // refuses unknown dims

  // A Variable holding a value computed at load time from initializers (BatchNormalization's
  // folded scale and shift), named "<node>/<suffix>".
  std::string computed_weight(const std::string& suffix, proto::Tensor value);

  // The one node reading output k, when exactly one node reads it (once) and the graph does not
  // output it: a converter may then fold this node into that reader.
  const onnx::NodeProto* sole_reader(int k) const;
  // Folds a spatial zero padding [top, left, bottom, right] of input 0 into the sole reader of
  // output 0 (a Conv or AveragePool): output 0 becomes input 0, and the reader adds the padding
  // to its own (folded_pads).
  void fold_pads_into_reader(std::vector<int64_t> spatial_pads);
  // The padding folded into input k by a Pad upstream: [top, left, bottom, right], or empty.
  std::vector<int64_t> folded_pads(int k) const;

  // Another node of the model, for its attrs (a fold looks at the node it folds into).
  OnnxNode look_at(const onnx::NodeProto& other) const { return OnnxNode(im_, other, 0); }

  // Adds a graphrun node; its output 0 is this ONNX node's output 0 unless set_output says
  // otherwise. The first node takes the ONNX node's name; others get "<name>/<suffix>".
  proto::Node& emit(const std::string& op, const std::vector<std::string>& inputs, const std::string& suffix = "");
  void set_output(int k, const std::string& tensor);
  void set_int_output(int k, IntConst value);
  void alias_output(int k, const std::string& onnx_input);  // output k is input k (Identity)
  void set_tensor_output(int k, const onnx::TensorProto& value);  // a Constant's float value

 private:
  Importer& im_;
  const onnx::NodeProto& node_;
  int version_;
};

using Converter = std::function<void(OnnxNode&)>;
struct OpSupport {
  std::vector<int> versions;  // the since-versions of the op's schemas this converter handles
  Converter convert;
};
// The converters of ONNX's own domain, by op type (each op folder registers its own:
// core/onnx/onnx_registry.h).
const std::map<std::string, OpSupport>& converters();

// graphrun attr helpers for converters.
proto::Attr& add_attr(proto::Node& node, const std::string& name);
proto::Attr& ints_attr(proto::Node& node, const std::string& name, const std::vector<int64_t>& values);

// Helpers several op folders' converters share (onnx_import_helpers.cc).
// `axis` in [0, rank) from ONNX's [-rank, rank), refused out of range.
int64_t normalized_axis(int64_t axis, int64_t rank);
// [H, W] of a 4-D [N, C, H, W] input, refused unless known.
std::vector<int64_t> hw_of(const std::vector<int64_t>& x);
// ONNX's explicit or automatic 2-D padding (with a zero Pad folded in upstream) as graphrun's
// symmetric [ph, pw]; refused when asymmetric.
std::vector<int64_t> symmetric_pads(const OnnxNode& n, const std::vector<int64_t>& in_hw,
                                    const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
                                    const std::vector<int64_t>& dilations);
// An elementwise op of two inputs of one shape (graphrun does not broadcast): `op` on both.
void convert_same_shape_binary(OnnxNode& n, const std::string& op);
// Whether every input is an integer known at load time (shape arithmetic, to fold).
bool all_inputs_int_const(const OnnxNode& n);

// Folds of shape arithmetic (onnx_fold.cc) that op folders register for ONNX ops whose only
// form graphrun takes is on integers known at load time.
// Reshape of an integer tensor known at load time: the same values, new dims.
void fold_int_reshape(OnnxNode& n, const IntConst& data, const std::vector<int64_t>& shape);
void fold_int_slice(OnnxNode& n);
void fold_int_cast(OnnxNode& n);

}  // namespace graphrun::onnx_import
