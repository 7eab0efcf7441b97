// Op definitions: what an op takes and gives, its attrs, its shape and dtype function (run at
// load time, so kernels never re-derive shapes), its cost, and the parameters it can declare
// implicitly (a Conv2D node with one input gets `<node>/weight` and `<node>/bias` Variables).
// Built-in ops register here through the same builder that plugins use.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/attrs.h"
#include "core/dtype.h"
#include "core/error.h"
#include "core/layout.h"
#include "core/shape.h"
#include "core/split_rule.h"

namespace graphrun {

struct TensorInfo {
  DType dtype = DType::kInvalid;
  Shape shape;
  MemoryLayout layout = MemoryLayout::kPlain;  // set only by the blocked-layout pass (core/layout.h)
};

// What a shape function sees: the node, its inputs' dtypes and shapes, its attrs; it sets the
// outputs. Errors raised through error() name the op and node.
class InferenceContext {
 public:
  InferenceContext(std::string op, std::string node, const AttrMap& attrs, std::vector<TensorInfo> inputs,
                   int64_t batch_size)
      : op_(std::move(op)), node_(std::move(node)), attrs_(attrs), inputs_(std::move(inputs)), batch_size_(batch_size) {}

  const std::string& op() const { return op_; }
  const std::string& node() const { return node_; }
  const AttrMap& attrs() const { return attrs_; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  const TensorInfo& input(int i) const { return inputs_.at(i); }
  const Shape& input_shape(int i) const { return inputs_.at(i).shape; }
  DType input_dtype(int i) const { return inputs_.at(i).dtype; }
  int64_t batch_size() const { return batch_size_; }

  void set_output(int i, DType dtype, Shape shape);
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  const TensorInfo& output(int i) const { return outputs_.at(i); }
  const std::vector<TensorInfo>& outputs() const { return outputs_; }

  // Throws Error "<Op> '<node>': <message>".
  template <typename... Args>
  [[noreturn]] void error(fmt::format_string<Args...> format, Args&&... args) const {
    throw Error(fmt::format("{} '{}': {}", op_, node_, fmt::format(format, std::forward<Args>(args)...)));
  }
  // Checks input i has the given rank.
  void expect_rank(int i, int rank) const;
  // Checks all inputs have the dtype of input 0 and that it is float32 or float64.
  void expect_same_float_dtype() const;

 private:
  std::string op_;
  std::string node_;
  const AttrMap& attrs_;
  std::vector<TensorInfo> inputs_;
  std::vector<TensorInfo> outputs_;
  int64_t batch_size_;
};

// Work of one node for the whole batch at its inferred shapes.
struct Cost {
  double flops = 0;  // floating-point operations (a multiply-add counts 2)
  double bytes = 0;  // bytes read and written
};

struct ArgSpec {
  std::string name;
  std::string doc;
};

// A parameter an op can declare implicitly. It is an extra input after the data inputs; when a
// node lists only the data inputs, the loader creates Variable `<node>/<name>` with this shape
// and the initializer in attr `<name>_init` (or `default_init`).
struct ParamSpec {
  std::string name;  // "weight", "bias"
  std::function<Shape(const InferenceContext&)> shape;
  proto::Attr default_init;
  std::string enabled_by;  // a bool attr that switches the parameter off ("use_bias"), or ""
};

class GradContext;  // core/gradient.h

using ShapeFn = std::function<void(InferenceContext&)>;
// Adds the nodes that compute the gradients of a node's inputs from the gradients of its
// outputs. Gradient functions only add graph nodes; they never compute.
using GradFn = std::function<void(GradContext&)>;
using CostFn = std::function<Cost(const InferenceContext&)>;

struct NodeInfo;  // core/kernel_registry.h: one node at its inferred shapes, as kernels see it
// Whether a trait that depends on the node (its attrs, shapes, dtypes) holds for it.
using NodeCondition = std::function<bool(const NodeInfo&)>;

// How the mixed-precision pass (--precision bf16, runtime/passes/mixed_precision.h) treats the op.
enum class BFloat16Behaviour : uint8_t {
  kKeepsFloat32,  // the default: runs in float32, a bfloat16 input cast back first
  kComputes,      // runs in bfloat16 whenever its inputs are float32 or bfloat16: the heavy products
  kFollows,       // runs in bfloat16 when its data input (input 0) arrives in bfloat16, so no cast
                  // separates a product from the activation, pooling or reshape after it
};

// What the graph passes read about an op, declared by the op's own folder (DESIGN.md, "What else
// an op folder declares"), so the passes keep only generic code. Traits of the kernel that will
// run a node (the layouts it reads and writes, the activations it absorbs) are KernelDef's.
struct OpTraits {
  // Output 0 is computed element by element from inputs of its own shape, so it comes out the
  // same in any layout; the blocked-layout pass lets such a node's tensors lie blocked together.
  bool elementwise = false;
  BFloat16Behaviour bfloat16 = BFloat16Behaviour::kKeepsFloat32;
  NodeCondition bfloat16_when;  // null: always (Conv2D: only with 16 input channels a group or more)
  // A weight-gradient op's bool attr that makes it write float32 gradients from bfloat16 inputs
  // (runtime/passes/mixed_precision.h: float32_weight_gradients); "" if it has none.
  std::string float32_gradients_attr;
  // Output k IS input first_aliased_input + k: a view (Reshape), a transfer's source (Send), a
  // variable updated in place (ApplyMomentum). -1: outputs have buffers of their own (or reuse
  // an input's only when nothing else reads it: reuse_input).
  int first_aliased_input = -1;
  bool optimizer_update = false;  // updates variables in place: the step's last work on them
};

struct OpDef {
  std::string name;
  std::string doc;
  std::vector<ArgSpec> inputs;
  bool variadic_inputs = false;  // the last input may repeat (Concat, AddN): at least one
  std::vector<ArgSpec> outputs;
  bool variadic_outputs = false;  // the shape function decides how many (Split)
  std::vector<AttrSpec> attrs;
  std::vector<ParamSpec> params;
  ShapeFn shape_fn;
  CostFn cost_fn;
  GradFn grad_fn;                   // none: not differentiable (autodiff says so by name)
  std::vector<int> no_gradient;     // inputs that never get a gradient (labels, shapes)
  SplitFn split_fn;                 // none: runs whole on one device (core/split_rule.h)
  // (output, input): the output may be written into the input's buffer when nothing else reads
  // the input afterwards (same dtype and shape); the kernel works in place then. The executor
  // and the memory plan both honour it.
  std::vector<std::pair<int, int>> reuse_input;
  bool stateful = false;         // holds state across runs (Variable)
  OpTraits traits;
  std::string library = "builtin";  // which library registered it

  const AttrSpec* find_attr(const std::string& attr_name) const;
  int num_data_inputs() const { return static_cast<int>(inputs.size()); }
};

class OpDefBuilder {
 public:
  explicit OpDefBuilder(std::string name) { def_.name = std::move(name); }
  OpDefBuilder& doc(std::string text);
  OpDefBuilder& input(std::string name, std::string doc = "");
  OpDefBuilder& variadic_input(std::string name, std::string doc = "");
  OpDefBuilder& output(std::string name, std::string doc = "");
  OpDefBuilder& variadic_output(std::string name, std::string doc = "");
  // A required attr (no default).
  OpDefBuilder& attr(std::string name, AttrType type, std::string doc, AttrCheck check = nullptr, int length = 0);
  // An attr with a default value.
  OpDefBuilder& attr(std::string name, AttrType type, proto::Attr default_value, std::string doc,
                     AttrCheck check = nullptr, int length = 0);
  OpDefBuilder& param(ParamSpec spec);
  OpDefBuilder& shape_fn(ShapeFn fn);
  OpDefBuilder& cost_fn(CostFn fn);
  OpDefBuilder& grad(GradFn fn);
  // Inputs that take no gradient, by index (SoftmaxCrossEntropy's labels).
  OpDefBuilder& no_gradient(std::vector<int> inputs);
  OpDefBuilder& stateful();
  // How the op runs across several devices (core/split_rule.h); without one it runs whole.
  OpDefBuilder& split(SplitFn fn);
  // Output `output` may reuse input `input`'s buffer (OpDef::reuse_input).
  OpDefBuilder& reuse_input(int output, int input);
  // Traits the graph passes read (OpTraits).
  OpDefBuilder& elementwise();
  OpDefBuilder& bfloat16(BFloat16Behaviour behaviour, NodeCondition when = nullptr);
  OpDefBuilder& float32_gradients_attr(std::string bool_attr);
  OpDefBuilder& output_aliases_input(int first_input = 0);
  OpDefBuilder& optimizer_update();
  // Applies a shared group of declarations (the attrs a forward op and its backward op share).
  OpDefBuilder& with(const std::function<void(OpDefBuilder&)>& declarations);
  OpDef build() &&;

 private:
  OpDef def_;
};

class OpRegistry {
 public:
  static OpRegistry& global();
  // Throws Error naming both libraries if the op name is taken.
  void add(OpDef def);
  const OpDef* find(const std::string& name) const;
  // Throws Error "unknown op 'Conv3D' (did you mean Conv2D?)".
  const OpDef& get(const std::string& name) const;
  std::vector<const OpDef*> all() const;  // sorted by name

 private:
  std::map<std::string, std::unique_ptr<OpDef>> ops_;
};

struct OpRegistrar {
  OpRegistrar(OpDefBuilder& builder);  // NOLINT: implicit, for the macro
  OpRegistrar(OpDefBuilder&& builder);  // NOLINT
};

// The closest names to `name` among `candidates`, for "did you mean" hints ("" if none close).
std::string closest_name(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace graphrun

#define GR_CONCAT_INNER(a, b) a##b
#define GR_CONCAT(a, b) GR_CONCAT_INNER(a, b)
// GR_REGISTER_OP("Relu").input("x").output("y").shape_fn(...);
#define GR_REGISTER_OP(name) \
  static ::graphrun::OpRegistrar GR_CONCAT(gr_op_registrar_, __COUNTER__) = ::graphrun::OpDefBuilder(name)
