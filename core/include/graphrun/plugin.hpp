// graphrun plugin SDK: a header-only C++ layer over the C ABI in <graphrun/plugin.h>. It turns
// C++ functions and lambdas into the ABI's callbacks and catches every exception at the
// boundary (it becomes the call's error message), so no C++ type or exception ever reaches
// graphrun. Needs C++17. Everything here is compiled into the plugin itself; build plugins
// with hidden visibility (graphrun_add_plugin does) so two plugins never share these symbols.
//
//   #include <graphrun/plugin.hpp>
//   namespace gp = graphrun::plugin;
//   GRAPHRUN_PLUGIN(reg) {
//     reg.op("Square").doc("y = x * x").input("x").output("y").shape(gp::same_shape_as_input)
//         .grad([](gp::GradContext& g) { ... g.set_grad_input(0, g.add(...)); });
//     reg.kernel("Square", gp::Device::kCPU, gp::DType::kFloat32, square_cpu<float>);
//   }
#ifndef GRAPHRUN_PLUGIN_HPP_
#define GRAPHRUN_PLUGIN_HPP_

#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "graphrun/plugin.h"

namespace graphrun {
namespace plugin {
inline namespace v2 {

enum class DType : GrDType {
  kFloat32 = GR_FLOAT32,
  kFloat64 = GR_FLOAT64,
  kInt32 = GR_INT32,
  kInt64 = GR_INT64,
  kUInt8 = GR_UINT8,
  kBool = GR_BOOL,
  kBFloat16 = GR_BFLOAT16  // ABI 3
};
// ABI 3: how --precision bf16 treats an op, and how a CPU tensor lies (graphrun/plugin.h).
enum class BFloat16 : GrBFloat16 {
  kKeepsFloat32 = GR_BF16_KEEPS_FLOAT32,
  kComputes = GR_BF16_COMPUTES,
  kFollows = GR_BF16_FOLLOWS
};
enum class Layout : GrLayout { kPlain = GR_LAYOUT_PLAIN, kBlocked16 = GR_LAYOUT_BLOCKED16 };
enum class Device : GrDeviceType { kCPU = GR_DEVICE_CPU, kCUDA = GR_DEVICE_CUDA };
enum class Split : GrSplitRule { kWhole = GR_SPLIT_WHOLE, kElementwise = GR_SPLIT_ELEMENTWISE };
enum class AttrType : GrAttrType {
  kInt = GR_ATTR_INT,
  kFloat = GR_ATTR_FLOAT,
  kString = GR_ATTR_STRING,
  kBool = GR_ATTR_BOOL,
  kInts = GR_ATTR_INTS,
  kFloats = GR_ATTR_FLOATS
};

template <typename T>
constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::kFloat32; }
template <> constexpr DType dtype_of<double>() { return DType::kFloat64; }
template <> constexpr DType dtype_of<int32_t>() { return DType::kInt32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::kInt64; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::kUInt8; }

// Raised by this layer when a host call fails; like any exception, it becomes the callback's
// error message at the boundary.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

namespace detail {
inline const GrHostApi*& host_slot() {
  static const GrHostApi* host = nullptr;
  return host;
}
inline const GrHostApi& host() {
  const GrHostApi* h = host_slot();
  if (h == nullptr) throw Error("graphrun plugin: host API used before graphrun_plugin_init");
  return *h;
}
inline void check(GrStatus status) {
  if (status != GR_OK) throw Error(host().last_error());
}
inline const char* check(const char* result) {
  if (result == nullptr) throw Error(host().last_error());
  return result;
}
inline void write_error(char* error, size_t size, const char* message) {
  if (error == nullptr || size == 0) return;
  std::strncpy(error, message, size - 1);
  error[size - 1] = '\0';
}
// Runs fn, turning any exception into GR_ERROR and its message: nothing C++ crosses the ABI.
template <typename Fn>
GrStatus guard(char* error, size_t size, Fn&& fn) noexcept {
  try {
    fn();
    return GR_OK;
  } catch (const std::exception& e) {
    write_error(error, size, e.what());
  } catch (...) {
    write_error(error, size, "unknown C++ exception (not derived from std::exception)");
  }
  return GR_ERROR;
}
}  // namespace detail

struct TensorInfo {
  DType dtype = DType::kFloat32;
  std::vector<int64_t> dims;
  int rank() const { return static_cast<int>(dims.size()); }
  int64_t num_elements() const {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    return n;
  }
};

// A node's attrs, validated by graphrun (types checked, defaults filled in).
class Attrs {
 public:
  explicit Attrs(const GrAttrs* attrs) : attrs_(attrs) {}
  int64_t i(const char* name) const {
    int64_t v = 0;
    detail::check(detail::host().attr_int(attrs_, name, &v));
    return v;
  }
  double f(const char* name) const {
    double v = 0;
    detail::check(detail::host().attr_float(attrs_, name, &v));
    return v;
  }
  bool b(const char* name) const {
    int32_t v = 0;
    detail::check(detail::host().attr_bool(attrs_, name, &v));
    return v != 0;
  }
  std::string s(const char* name) const {
    const char* v = nullptr;
    detail::check(detail::host().attr_string(attrs_, name, &v));
    return v;
  }
  std::vector<int64_t> ints(const char* name) const {
    const int64_t* v = nullptr;
    int64_t n = 0;
    detail::check(detail::host().attr_ints(attrs_, name, &v, &n));
    return std::vector<int64_t>(v, v + n);
  }
  std::vector<double> floats(const char* name) const {
    const double* v = nullptr;
    int64_t n = 0;
    detail::check(detail::host().attr_floats(attrs_, name, &v, &n));
    return std::vector<double>(v, v + n);
  }

 private:
  const GrAttrs* attrs_;
};

class ShapeContext {
 public:
  explicit ShapeContext(GrShapeContext* ctx) : ctx_(ctx) {}
  std::string node_name() const { return detail::host().shape_node_name(ctx_); }
  Attrs attrs() const { return Attrs(detail::host().shape_attrs(ctx_)); }
  int num_inputs() const { return detail::host().shape_num_inputs(ctx_); }
  TensorInfo input(int i) const {
    GrTensorInfo info{};
    detail::check(detail::host().shape_input(ctx_, i, &info));
    return TensorInfo{static_cast<DType>(info.dtype), std::vector<int64_t>(info.dims, info.dims + info.rank)};
  }
  int64_t batch_size() const { return detail::host().shape_batch_size(ctx_); }
  // In a cost function: the outputs the shape function set.
  int num_outputs() const { return detail::host().shape_num_outputs(ctx_); }
  TensorInfo output(int i) const {
    GrTensorInfo info{};
    detail::check(detail::host().shape_output(ctx_, i, &info));
    return TensorInfo{static_cast<DType>(info.dtype), std::vector<int64_t>(info.dims, info.dims + info.rank)};
  }
  void set_output(int i, DType dtype, const std::vector<int64_t>& dims) {
    detail::check(detail::host().shape_set_output(ctx_, i, static_cast<GrDType>(dtype), static_cast<int32_t>(dims.size()),
                                                  dims.data()));
  }
  void set_output(int i, const TensorInfo& info) { set_output(i, info.dtype, info.dims); }
  // Throws the message; graphrun reports it as "<Op> '<node>': <message>".
  [[noreturn]] void fail(const std::string& message) const { throw Error(message); }

 private:
  GrShapeContext* ctx_;
};

// The common shape function of elementwise ops: every input float32 or float64 of the same
// dtype and shape; one output like input 0.
inline void same_shape_as_input(ShapeContext& ctx) {
  TensorInfo x = ctx.input(0);
  if (x.dtype != DType::kFloat32 && x.dtype != DType::kFloat64) ctx.fail("input 0 must be float32 or float64");
  for (int i = 1; i < ctx.num_inputs(); ++i) {
    TensorInfo other = ctx.input(i);
    if (other.dtype != x.dtype || other.dims != x.dims)
      ctx.fail("input " + std::to_string(i) + " must have input 0's dtype and shape");
  }
  ctx.set_output(0, x);
}

// The work of one node at its inferred shapes, for the whole batch (a multiply-add counts 2).
struct Cost {
  double flops = 0;
  double bytes = 0;  // read and written
};

inline int64_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::kFloat64:
    case DType::kInt64: return 8;
    case DType::kUInt8: return 1;
    case DType::kBFloat16: return 2;
    default: return 4;
  }
}

// The cost of an elementwise op doing `flops_per_element` per output element; its bytes are
// every input and output read or written once.
inline Cost elementwise_cost(const ShapeContext& ctx, double flops_per_element) {
  Cost cost;
  TensorInfo y = ctx.output(0);
  cost.flops = flops_per_element * static_cast<double>(y.num_elements());
  for (int i = 0; i < ctx.num_inputs(); ++i)
    cost.bytes += static_cast<double>(ctx.input(i).num_elements() * dtype_size(ctx.input(i).dtype));
  for (int i = 0; i < ctx.num_outputs(); ++i)
    cost.bytes += static_cast<double>(ctx.output(i).num_elements() * dtype_size(ctx.output(i).dtype));
  return cost;
}

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(const GrTensor& t) : t_(t) {}
  DType dtype() const { return static_cast<DType>(t_.dtype); }
  int rank() const { return t_.rank; }
  int64_t dim(int i) const { return t_.dims[i]; }
  std::vector<int64_t> dims() const { return std::vector<int64_t>(t_.dims, t_.dims + t_.rank); }
  int64_t num_elements() const { return t_.num_elements; }
  void* raw() const { return t_.data; }
  // Typed access; throws if the tensor's dtype is not T.
  template <typename T>
  T* data() const {
    if (dtype_of<T>() != dtype()) throw Error("tensor accessed with the wrong element type");
    return static_cast<T*>(t_.data);
  }

 private:
  GrTensor t_{};
};

class KernelContext {
 public:
  explicit KernelContext(GrKernelContext* ctx) : ctx_(ctx) {}
  std::string node_name() const { return detail::host().kernel_node_name(ctx_); }
  Attrs attrs() const { return Attrs(detail::host().kernel_attrs(ctx_)); }
  int num_inputs() const { return detail::host().kernel_num_inputs(ctx_); }
  int num_outputs() const { return detail::host().kernel_num_outputs(ctx_); }
  Tensor input(int i) const {
    GrTensor t{};
    detail::check(detail::host().kernel_input(ctx_, i, &t));
    return Tensor(t);
  }
  // ABI 3: how input or output i lies (blocked only where the kernel declared any_layout).
  Layout input_layout(int i) const { return static_cast<Layout>(detail::host().kernel_input_layout(ctx_, i)); }
  Layout output_layout(int i) const { return static_cast<Layout>(detail::host().kernel_output_layout(ctx_, i)); }
  Tensor output(int i) {
    GrTensor t{};
    detail::check(detail::host().kernel_output(ctx_, i, &t));
    return Tensor(t);
  }
  // cudaStream_t for CUDA kernels (enqueue everything on it; never synchronize), null on CPU.
  void* stream() const { return detail::host().kernel_stream(ctx_); }
  uint64_t seed() const { return detail::host().kernel_seed(ctx_); }
  int64_t step() const { return detail::host().kernel_step(ctx_); }
  bool training() const { return detail::host().kernel_training(ctx_) != 0; }

 private:
  GrKernelContext* ctx_;
};

// An attr for a node a gradient function adds.
struct NamedAttr {
  std::string name;
  GrAttrValue value;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::string s;
  NamedAttr(std::string n, int64_t v) : name(std::move(n)), value{GR_ATTR_INT, v, 0, nullptr, nullptr, nullptr, 0} {}
  NamedAttr(std::string n, int v) : NamedAttr(std::move(n), static_cast<int64_t>(v)) {}
  NamedAttr(std::string n, double v) : name(std::move(n)), value{GR_ATTR_FLOAT, 0, v, nullptr, nullptr, nullptr, 0} {}
  NamedAttr(std::string n, bool v) : name(std::move(n)), value{GR_ATTR_BOOL, v, 0, nullptr, nullptr, nullptr, 0} {}
  NamedAttr(std::string n, std::string v)
      : name(std::move(n)), value{GR_ATTR_STRING, 0, 0, nullptr, nullptr, nullptr, 0}, s(std::move(v)) {}
  // Without it a string literal would pick the bool constructor.
  NamedAttr(std::string n, const char* v) : NamedAttr(std::move(n), std::string(v)) {}
  NamedAttr(std::string n, std::vector<int64_t> v)
      : name(std::move(n)), value{GR_ATTR_INTS, 0, 0, nullptr, nullptr, nullptr, 0}, ints(std::move(v)) {}
  NamedAttr(std::string n, std::vector<double> v)
      : name(std::move(n)), value{GR_ATTR_FLOATS, 0, 0, nullptr, nullptr, nullptr, 0}, floats(std::move(v)) {}
  // The C view; valid while this object lives.
  GrNamedAttr c() const {
    GrNamedAttr a{name.c_str(), value};
    a.value.s = s.c_str();
    a.value.ints = ints.data();
    a.value.floats = floats.data();
    a.value.count = value.type == GR_ATTR_INTS ? static_cast<int64_t>(ints.size()) : static_cast<int64_t>(floats.size());
    return a;
  }
};

// Mirrors graphrun's GradContext: the forward node, the gradients of its outputs, and a way to
// add the ordinary nodes that compute the gradients of its inputs.
class GradContext {
 public:
  explicit GradContext(GrGradContext* ctx) : ctx_(ctx) {}
  std::string node_name() const { return detail::host().grad_node_name(ctx_); }
  Attrs attrs() const { return Attrs(detail::host().grad_attrs(ctx_)); }
  int num_inputs() const { return detail::host().grad_num_inputs(ctx_); }
  int num_outputs() const { return detail::host().grad_num_outputs(ctx_); }
  std::string input(int i) const { return detail::check(detail::host().grad_input(ctx_, i)); }
  std::string output(int i) const { return detail::check(detail::host().grad_output(ctx_, i)); }
  TensorInfo input_info(int i) const {
    GrTensorInfo info{};
    detail::check(detail::host().grad_input_info(ctx_, i, &info));
    return TensorInfo{static_cast<DType>(info.dtype), std::vector<int64_t>(info.dims, info.dims + info.rank)};
  }
  // The gradient of output i, "" when none flows into it.
  std::string grad_output(int i) const { return detail::check(detail::host().grad_of_output(ctx_, i)); }
  std::string grad_output_or_zeros(int i) { return detail::check(detail::host().grad_of_output_or_zeros(ctx_, i)); }
  // Adds "<node>/grad/<suffix>" = op(inputs) with attrs, plus copies of the forward node's
  // attrs named in forward_attrs; returns its name.
  std::string add(const std::string& suffix, const std::string& op, const std::vector<std::string>& inputs,
                  const std::vector<NamedAttr>& attrs = {}, const std::vector<std::string>& forward_attrs = {}) {
    std::vector<const char*> in, fwd;
    for (const auto& s : inputs) in.push_back(s.c_str());
    for (const auto& s : forward_attrs) fwd.push_back(s.c_str());
    std::vector<GrNamedAttr> a;
    for (const auto& attr : attrs) a.push_back(attr.c());
    return detail::check(detail::host().grad_add_node(ctx_, suffix.c_str(), op.c_str(), in.data(),
                                                      static_cast<int32_t>(in.size()), a.data(),
                                                      static_cast<int32_t>(a.size()), fwd.data(),
                                                      static_cast<int32_t>(fwd.size())));
  }
  void set_grad_input(int i, const std::string& tensor) {
    detail::check(detail::host().grad_set_input(ctx_, i, tensor.c_str()));
  }

 private:
  GrGradContext* ctx_;
};

using ShapeFn = std::function<void(ShapeContext&)>;
using KernelFn = std::function<void(KernelContext&)>;
using GradFn = std::function<void(GradContext&)>;
using CostFn = std::function<Cost(ShapeContext&)>;
// ABI 3: whether a trait holds for a node (read through the context as a cost function reads it).
using NodeCondition = std::function<bool(ShapeContext&)>;

namespace detail {
// Callbacks live as long as the plugin (plugins are never unloaded), so the host may call
// them at any time; they are owned here, inside the plugin.
template <typename Fn>
void* keep(Fn fn) {
  static std::deque<Fn> storage;
  storage.push_back(std::move(fn));
  return &storage.back();
}
inline GrStatus shape_trampoline(GrShapeContext* c, void* fn, char* error, size_t size) {
  return guard(error, size, [&] {
    ShapeContext ctx(c);
    (*static_cast<ShapeFn*>(fn))(ctx);
  });
}
inline GrStatus kernel_trampoline(GrKernelContext* c, void* fn, char* error, size_t size) {
  return guard(error, size, [&] {
    KernelContext ctx(c);
    (*static_cast<KernelFn*>(fn))(ctx);
  });
}
inline GrStatus condition_trampoline(GrShapeContext* c, void* fn, int32_t* holds, char* error, size_t size) {
  return guard(error, size, [&] {
    ShapeContext ctx(c);
    *holds = (*static_cast<NodeCondition*>(fn))(ctx) ? 1 : 0;
  });
}
inline void* kept_condition(NodeCondition when) { return when ? keep(std::move(when)) : nullptr; }
inline GrStatus cost_trampoline(GrShapeContext* c, void* fn, GrCost* cost, char* error, size_t size) {
  return guard(error, size, [&] {
    ShapeContext ctx(c);
    Cost result = (*static_cast<CostFn*>(fn))(ctx);
    cost->flops = result.flops;
    cost->bytes = result.bytes;
  });
}
inline GrStatus grad_trampoline(GrGradContext* c, void* fn, char* error, size_t size) {
  return guard(error, size, [&] {
    GradContext ctx(c);
    (*static_cast<GradFn*>(fn))(ctx);
  });
}
}  // namespace detail

// Declares one op; the declaration ends when the Registrar finishes (after the plugin's
// registration function returns).
class OpBuilder {
 public:
  explicit OpBuilder(GrOpBuilder* op) : op_(op) {}
  OpBuilder& doc(const std::string& text) { return call(detail::host().op_doc(op_, text.c_str())); }
  OpBuilder& input(const std::string& name, const std::string& doc = "") {
    return call(detail::host().op_input(op_, name.c_str(), doc.c_str()));
  }
  OpBuilder& output(const std::string& name, const std::string& doc = "") {
    return call(detail::host().op_output(op_, name.c_str(), doc.c_str()));
  }
  // A required attr.
  OpBuilder& attr(const std::string& name, AttrType type, const std::string& doc = "") {
    return call(detail::host().op_attr(op_, name.c_str(), static_cast<GrAttrType>(type), nullptr, doc.c_str()));
  }
  // Attrs with defaults; the default's C++ type gives the attr type.
  OpBuilder& attr(const std::string& name, int64_t value, const std::string& doc = "") {
    return with_default(NamedAttr(name, value), doc);
  }
  OpBuilder& attr(const std::string& name, int value, const std::string& doc = "") {
    return with_default(NamedAttr(name, value), doc);
  }
  OpBuilder& attr(const std::string& name, double value, const std::string& doc = "") {
    return with_default(NamedAttr(name, value), doc);
  }
  OpBuilder& attr(const std::string& name, bool value, const std::string& doc = "") {
    return with_default(NamedAttr(name, value), doc);
  }
  OpBuilder& attr(const std::string& name, const char* value, const std::string& doc = "") {
    return with_default(NamedAttr(name, value), doc);
  }
  OpBuilder& attr(const std::string& name, std::vector<int64_t> value, const std::string& doc = "") {
    return with_default(NamedAttr(name, std::move(value)), doc);
  }
  OpBuilder& attr(const std::string& name, std::vector<double> value, const std::string& doc = "") {
    return with_default(NamedAttr(name, std::move(value)), doc);
  }
  OpBuilder& shape(ShapeFn fn) {
    return call(detail::host().op_shape_fn(op_, detail::shape_trampoline, detail::keep(std::move(fn))));
  }
  OpBuilder& grad(GradFn fn) {
    return call(detail::host().op_grad_fn(op_, detail::grad_trampoline, detail::keep(std::move(fn))));
  }
  // ABI 2: the op's cost (FLOPs and bytes for the whole batch); without one it counts 0.
  OpBuilder& cost(CostFn fn) {
    return call(detail::host().op_cost_fn(op_, detail::cost_trampoline, detail::keep(std::move(fn))));
  }
  // ABI 2: elementwise_cost with `flops_per_element`.
  OpBuilder& cost_elementwise(double flops_per_element) {
    return cost([flops_per_element](ShapeContext& ctx) { return elementwise_cost(ctx, flops_per_element); });
  }
  // ABI 2: output `output` may be written into input `input`'s buffer when nothing else reads it
  // afterwards; the kernel must be correct with both the same memory.
  OpBuilder& reuse_input(int output, int input) { return call(detail::host().op_reuse_input(op_, output, input)); }
  // ABI 3, traits the graph passes read (docs/plugins.md, "Traits"): output 0 elementwise in
  // inputs of its shape (any layout gives the same values), the op's bfloat16 behaviour, and a
  // weight-gradient op's bool attr that asks for float32 gradients.
  OpBuilder& elementwise() { return call(detail::host().op_elementwise(op_)); }
  OpBuilder& bfloat16(BFloat16 behaviour, NodeCondition when = nullptr) {
    GrNodeConditionFn fn = when ? detail::condition_trampoline : nullptr;
    return call(detail::host().op_bfloat16(op_, static_cast<GrBFloat16>(behaviour), fn,
                                           detail::kept_condition(std::move(when))));
  }
  OpBuilder& float32_gradients_attr(const std::string& bool_attr) {
    return call(detail::host().op_float32_gradients_attr(op_, bool_attr.c_str()));
  }
  OpBuilder& no_gradient(int input) { return call(detail::host().op_no_gradient(op_, input)); }
  OpBuilder& split(Split rule) { return call(detail::host().op_split_rule(op_, static_cast<GrSplitRule>(rule))); }
  // ABI 3: the op is ONNX op `op_type` of `domain` ("" for ONNX's own) from `since_version` on,
  // attrs by name: ONNX import and export take it (GrHostApi::op_onnx).
  OpBuilder& onnx(const std::string& domain, const std::string& op_type, int since_version) {
    return call(detail::host().op_onnx(op_, domain.c_str(), op_type.c_str(), since_version));
  }
  void finish() {
    GrOpBuilder* op = op_;
    op_ = nullptr;
    if (op != nullptr) detail::check(detail::host().op_finish(op));
  }

 private:
  OpBuilder& call(GrStatus status) {
    detail::check(status);
    return *this;
  }
  OpBuilder& with_default(const NamedAttr& a, const std::string& doc) {
    GrNamedAttr c = a.c();
    return call(detail::host().op_attr(op_, a.name.c_str(), c.value.type, &c.value, doc.c_str()));
  }
  GrOpBuilder* op_;
};

class Registrar {
 public:
  explicit Registrar(GrRegistrar* registrar) : registrar_(registrar) {}
  OpBuilder& op(const std::string& name) {
    ops_.emplace_back(begin(name));
    return ops_.back();
  }
  Registrar& kernel(const std::string& op, Device device, DType dtype, KernelFn fn, const std::string& label = "",
                    int priority = 0) {
    std::string l = label.empty() ? (device == Device::kCPU ? "cpu" : "cuda") : label;
    detail::check(detail::host().kernel_register(registrar_, op.c_str(), static_cast<GrDeviceType>(device),
                                                 static_cast<GrDType>(dtype), l.c_str(), priority,
                                                 detail::kernel_trampoline, detail::keep(std::move(fn))));
    return *this;
  }
  // ABI 3, traits of the kernel registered last: the inputs it reads and outputs it writes in any
  // layout (for the nodes `when` accepts), and an activation it applies to its output itself.
  Registrar& any_layout(const std::vector<int32_t>& inputs, const std::vector<int32_t>& outputs,
                        NodeCondition when = nullptr) {
    GrNodeConditionFn fn = when ? detail::condition_trampoline : nullptr;
    detail::check(detail::host().kernel_any_layout(registrar_, inputs.data(), static_cast<int32_t>(inputs.size()),
                                                   outputs.data(), static_cast<int32_t>(outputs.size()), fn,
                                                   detail::kept_condition(std::move(when))));
    return *this;
  }
  Registrar& fuses_activation(const std::string& activation, const std::string& fused_op) {
    detail::check(detail::host().kernel_fuses_activation(registrar_, activation.c_str(), fused_op.c_str()));
    return *this;
  }
  // Ends every op declaration (called after the plugin's registration function).
  void finish() {
    for (auto& op : ops_) op.finish();
  }
  const GrHostApi& host() const { return detail::host(); }

 private:
  GrOpBuilder* begin(const std::string& name) {
    GrOpBuilder* op = detail::host().op_begin(registrar_, name.c_str());
    if (op == nullptr) throw Error(detail::host().last_error());
    return op;
  }
  GrRegistrar* registrar_;
  std::deque<OpBuilder> ops_;
};

namespace detail {
inline GrStatus init(const GrHostApi* host, uint32_t host_abi_version, GrRegistrar* registrar, char* error,
                     size_t size, void (*register_fn)(Registrar&)) noexcept {
  if (host == nullptr || host_abi_version < GRAPHRUN_PLUGIN_ABI_VERSION || host->struct_size < sizeof(GrHostApi)) {
    write_error(error, size, "graphrun is older than the plugin ABI this plugin was built for");
    return GR_ERROR;
  }
  host_slot() = host;
  return guard(error, size, [&] {
    Registrar r(registrar);
    register_fn(r);
    r.finish();
  });
}
}  // namespace detail

}  // namespace v2
}  // namespace plugin
}  // namespace graphrun

// Defines the plugin's entry points; the body registers its ops and kernels:
//   GRAPHRUN_PLUGIN(reg) { reg.op("Swish")...; reg.kernel("Swish", ...); }
#define GRAPHRUN_PLUGIN(registrar)                                                                          \
  static void graphrun_plugin_register(::graphrun::plugin::Registrar& registrar);                           \
  extern "C" GRAPHRUN_PLUGIN_EXPORT uint32_t graphrun_plugin_abi_version(void) {                            \
    return GRAPHRUN_PLUGIN_ABI_VERSION;                                                                     \
  }                                                                                                         \
  extern "C" GRAPHRUN_PLUGIN_EXPORT GrStatus graphrun_plugin_init(const GrHostApi* host, uint32_t host_abi, \
                                                                  GrRegistrar* r, char* error, size_t size) { \
    return ::graphrun::plugin::detail::init(host, host_abi, r, error, size, graphrun_plugin_register);       \
  }                                                                                                         \
  static void graphrun_plugin_register(::graphrun::plugin::Registrar& registrar)

// Defines `static GrStatus name(host, host_abi, registrar, error, size)`, an init function with
// the entry point's signature, exported nowhere: graphrun's built-in ops written with this
// header register through it (graphrun::register_through_abi), as plugins do.
#define GRAPHRUN_PLUGIN_INIT(name, registrar)                                                             \
  static void name##_register(::graphrun::plugin::Registrar& registrar);                                  \
  [[maybe_unused]] static GrStatus name(const GrHostApi* host, uint32_t host_abi, GrRegistrar* r,         \
                                        char* error, size_t size) {                                       \
    return ::graphrun::plugin::detail::init(host, host_abi, r, error, size, name##_register);             \
  }                                                                                                       \
  static void name##_register(::graphrun::plugin::Registrar& registrar)

#endif  // GRAPHRUN_PLUGIN_HPP_
