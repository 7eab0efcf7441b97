// The host's implementation of the plugin ABI: the GrHostApi function table and the adapter
// from C registrations to OpDef/KernelDef. No exception leaves a host function: each catches,
// records the message for last_error() and returns GR_ERROR (or NULL).
#include <deque>
#include <map>
#include <memory>
#include <mutex>

#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "core/onnx/onnx_mapping.h"
#include "core/plugin_host.h"

using graphrun::AttrMap;
using graphrun::AttrType;
using graphrun::DType;
using graphrun::Error;
using graphrun::GradContext;
using graphrun::InferenceContext;
using graphrun::KernelContext;
using graphrun::KernelDef;
using graphrun::OpDef;
using graphrun::OpDefBuilder;
namespace proto = graphrun::proto;

// The opaque handles of plugin.h.
struct GrRegistrar {
  std::string library;
  std::vector<OpDef> ops;
  std::vector<KernelDef> kernels;
  std::vector<std::unique_ptr<GrOpBuilder>> open;  // begun, not finished
  std::vector<graphrun::OnnxMapping> onnx;          // ABI 3: the finished ops' ONNX mappings
};
struct GrOpBuilder {
  GrRegistrar* registrar;
  OpDefBuilder builder;
  std::string name;
  bool has_shape_fn = false;
  std::vector<int> no_gradient;
  graphrun::OnnxMapping onnx;  // ABI 3: since_versions empty when the op declares none
};
struct GrShapeContext {
  InferenceContext* ctx;
  bool read_only = false;  // a cost function's: the outputs are set already
};
struct GrKernelContext {
  KernelContext* ctx;
  void* stream;
};
struct GrGradContext {
  GradContext* g;
  std::deque<std::string> strings;  // names handed to the plugin, alive until it returns
  const char* keep(std::string s) { return strings.emplace_back(std::move(s)).c_str(); }
};

namespace graphrun {
namespace {

thread_local std::string last_error_message;
NativeStreamProvider stream_provider = nullptr;

// Runs a host function body; an exception becomes GR_ERROR and last_error().
template <typename Fn>
GrStatus host_call(Fn&& fn) noexcept {
  try {
    fn();
    return GR_OK;
  } catch (const std::exception& e) {
    last_error_message = e.what();
  } catch (...) {
    last_error_message = "unknown error";
  }
  return GR_ERROR;
}
template <typename Fn>
const char* host_call_str(Fn&& fn) noexcept {
  const char* result = nullptr;
  if (host_call([&] { result = fn(); }) != GR_OK) return nullptr;
  return result;
}

// Calls a plugin callback; returns "" on success, else its message. A C++ exception that a
// plugin lets escape (it must not) is caught here too.
template <typename Fn>
std::string call_plugin(Fn&& fn) {
  char error[2048] = {0};
  GrStatus status = GR_ERROR;
  try {
    status = fn(error, sizeof error);
  } catch (const std::exception& e) {
    return fmt::format("a C++ exception crossed the plugin ABI: {}", e.what());
  } catch (...) {
    return "a C++ exception crossed the plugin ABI";
  }
  if (status == GR_OK) return "";
  error[sizeof error - 1] = '\0';
  return error[0] != '\0' ? std::string(error) : std::string("failed without a message");
}

const char* str(const char* s) { return s != nullptr ? s : ""; }

DType to_dtype(GrDType dtype) {
  if (dtype < GR_FLOAT32 || dtype > GR_BFLOAT16) fail("invalid dtype {}", dtype);
  return static_cast<DType>(dtype);
}

AttrType to_attr_type(GrAttrType type) {
  switch (type) {
    case GR_ATTR_INT: return AttrType::kInt;
    case GR_ATTR_FLOAT: return AttrType::kFloat;
    case GR_ATTR_STRING: return AttrType::kString;
    case GR_ATTR_BOOL: return AttrType::kBool;
    case GR_ATTR_INTS: return AttrType::kInts;
    case GR_ATTR_FLOATS: return AttrType::kFloats;
    default: fail("invalid attr type {}", type);
  }
}

proto::Attr to_proto_attr(const GrAttrValue& v) {
  switch (v.type) {
    case GR_ATTR_INT: return attr_int(v.i);
    case GR_ATTR_FLOAT: return attr_float(v.f);
    case GR_ATTR_STRING: return attr_string(str(v.s));
    case GR_ATTR_BOOL: return attr_bool(v.i != 0);
    case GR_ATTR_INTS: return attr_ints(std::vector<int64_t>(v.ints, v.ints + (v.ints ? v.count : 0)));
    case GR_ATTR_FLOATS: return attr_floats(std::vector<double>(v.floats, v.floats + (v.floats ? v.count : 0)));
    default: fail("invalid attr type {}", v.type);
  }
}

const AttrMap& attrs_of(const GrAttrs* attrs) { return *reinterpret_cast<const AttrMap*>(attrs); }
const GrAttrs* handle_of(const AttrMap& attrs) { return reinterpret_cast<const GrAttrs*>(&attrs); }

const proto::Attr& typed_attr(const GrAttrs* attrs, const char* name, proto::Attr::ValueCase kind,
                              const char* type_name) {
  const proto::Attr& a = attrs_of(attrs).get(str(name));
  if (a.value_case() != kind) fail("attr '{}' is {}, not {}", str(name), attr_value_str(a), type_name);
  return a;
}

GrTensorInfo info_of(const TensorInfo& info) {
  return GrTensorInfo{static_cast<GrDType>(info.dtype), info.shape.rank(), info.shape.dims().data()};
}
GrTensor tensor_of(const Tensor& t) {
  return GrTensor{static_cast<GrDType>(t.dtype()), t.shape().rank(), t.shape().dims().data(), t.num_elements(),
                  t.raw()};
}

// A plugin's kernel: one object per node, calling the plugin's reentrant function.
class PluginKernel final : public OpKernel {
 public:
  PluginKernel(GrKernelFn fn, void* user_data, std::string library, std::string label)
      : fn_(fn), user_data_(user_data), library_(std::move(library)), label_(std::move(label)) {}
  void compute(KernelContext& ctx) override {
    GrKernelContext c{&ctx, stream_provider != nullptr ? stream_provider(ctx.device()) : nullptr};
    std::string error = call_plugin([&](char* e, size_t n) { return fn_(&c, user_data_, e, n); });
    if (!error.empty()) fail("kernel '{}' of plugin {} failed: {}", label_, library_, error);
  }

 private:
  GrKernelFn fn_;
  void* user_data_;
  std::string library_;
  std::string label_;
};

// --- registration ----------------------------------------------------------------------------

GrOpBuilder* op_begin(GrRegistrar* r, const char* name) {
  GrOpBuilder* result = nullptr;
  host_call([&] {
    std::string op = str(name);
    if (op.empty() || !std::isupper(static_cast<unsigned char>(op[0])))
      fail("op name '{}' must be CamelCase (start with a capital letter)", op);
    auto b = std::make_unique<GrOpBuilder>(GrOpBuilder{r, OpDefBuilder(op), op});
    result = b.get();
    r->open.push_back(std::move(b));
  });
  return result;
}

GrStatus op_doc(GrOpBuilder* b, const char* doc) {
  return host_call([&] { b->builder.doc(str(doc)); });
}
GrStatus op_input(GrOpBuilder* b, const char* name, const char* doc) {
  return host_call([&] { b->builder.input(str(name), str(doc)); });
}
GrStatus op_output(GrOpBuilder* b, const char* name, const char* doc) {
  return host_call([&] { b->builder.output(str(name), str(doc)); });
}
GrStatus op_attr(GrOpBuilder* b, const char* name, GrAttrType type, const GrAttrValue* default_value, const char* doc) {
  return host_call([&] {
    AttrType t = to_attr_type(type);
    if (default_value == nullptr) {
      b->builder.attr(str(name), t, str(doc));
      return;
    }
    if (default_value->type != type)
      fail("op {}: attr '{}' default has type {}, the attr {}", b->name, str(name), default_value->type, type);
    b->builder.attr(str(name), t, to_proto_attr(*default_value), str(doc));
  });
}

GrStatus op_shape_fn(GrOpBuilder* b, GrShapeFn fn, void* user_data) {
  return host_call([&] {
    std::string library = b->registrar->library;
    b->has_shape_fn = fn != nullptr;
    b->builder.shape_fn([fn, user_data, library](InferenceContext& ctx) {
      GrShapeContext c{&ctx};
      std::string error = call_plugin([&](char* e, size_t n) { return fn(&c, user_data, e, n); });
      if (!error.empty()) {
        // Errors from host calls already carry "<Op> '<node>': ".
        std::string prefix = fmt::format("{} '{}': ", ctx.op(), ctx.node());
        if (error.rfind(prefix, 0) == 0) error = error.substr(prefix.size());
        ctx.error("{}", error);
      }
    });
  });
}

GrStatus op_cost_fn(GrOpBuilder* b, GrCostFn fn, void* user_data) {
  return host_call([&] {
    if (fn == nullptr) fail("op {}: null cost function", b->name);
    b->builder.cost_fn([fn, user_data](const InferenceContext& ctx) {
      // The shape context type serves both; a cost function only reads it.
      GrShapeContext c{const_cast<InferenceContext*>(&ctx), true};
      GrCost cost{0, 0};
      std::string error = call_plugin([&](char* e, size_t n) { return fn(&c, user_data, &cost, e, n); });
      if (!error.empty()) ctx.error("cost function failed: {}", error);
      if (!(cost.flops >= 0) || !(cost.bytes >= 0))
        ctx.error("cost function gave {} FLOPs and {} bytes; both must be >= 0", cost.flops, cost.bytes);
      return Cost{cost.flops, cost.bytes};
    });
  });
}

GrStatus op_reuse_input(GrOpBuilder* b, int32_t output, int32_t input) {
  return host_call([&] {
    if (output < 0 || input < 0) fail("op {}: reuse_input({}, {}): negative index", b->name, output, input);
    b->builder.reuse_input(output, input);  // checked against the inputs and outputs when the op is built
  });
}

GrStatus op_grad_fn(GrOpBuilder* b, GrGradFn fn, void* user_data) {
  return host_call([&] {
    if (fn == nullptr) fail("op {}: null gradient function", b->name);
    std::string library = b->registrar->library;
    b->builder.grad([fn, user_data, library](GradContext& g) {
      GrGradContext c{&g, {}};
      std::string error = call_plugin([&](char* e, size_t n) { return fn(&c, user_data, e, n); });
      if (!error.empty())
        fail("{} '{}': gradient function of plugin {} failed: {}", g.node().op, g.node().name, library, error);
    });
  });
}

GrStatus op_no_gradient(GrOpBuilder* b, int32_t input) {
  return host_call([&] {
    if (input < 0) fail("op {}: no_gradient input {} is negative", b->name, input);
    b->no_gradient.push_back(input);
  });
}

GrStatus op_split_rule(GrOpBuilder* b, GrSplitRule rule) {
  return host_call([&] {
    if (rule != GR_SPLIT_WHOLE && rule != GR_SPLIT_ELEMENTWISE) fail("op {}: unknown split rule {}", b->name, rule);
    // The same rule the built-in elementwise ops declare (core/split_rule.h).
    if (rule == GR_SPLIT_ELEMENTWISE) b->builder.split(split_rules::elementwise);
  });
}

GrStatus op_finish(GrOpBuilder* b) {
  return host_call([&] {
    GrRegistrar* r = b->registrar;
    auto it = std::find_if(r->open.begin(), r->open.end(), [b](const auto& p) { return p.get() == b; });
    if (it == r->open.end()) fail("op_finish: unknown or finished op builder");
    std::unique_ptr<GrOpBuilder> owned = std::move(*it);
    r->open.erase(it);
    if (!owned->has_shape_fn) fail("op {} has no shape function", owned->name);
    if (!owned->no_gradient.empty()) owned->builder.no_gradient(owned->no_gradient);
    OpDef def = std::move(owned->builder).build();
    def.library = r->library;
    for (const auto& other : r->ops)
      if (other.name == def.name) fail("op '{}' is declared twice by {}", def.name, r->library);
    if (!owned->onnx.since_versions.empty()) r->onnx.push_back(owned->onnx);
    r->ops.push_back(std::move(def));
  });
}

GrStatus kernel_register(GrRegistrar* r, const char* op, GrDeviceType device, GrDType dtype, const char* label,
                         int32_t priority, GrKernelFn fn, void* user_data) {
  return host_call([&] {
    if (fn == nullptr) fail("kernel for op '{}': null function", str(op));
    if (device != GR_DEVICE_CPU && device != GR_DEVICE_CUDA) fail("kernel for op '{}': unknown device {}", str(op), device);
    std::string library = r->library, kernel_label = *str(label) ? str(label) : "plugin";
    KernelBuilder builder(str(op), static_cast<DeviceType>(device), kernel_label, priority);
    builder.add_one(to_dtype(dtype), [fn, user_data, library, kernel_label](const NodeInfo&) {
      return std::make_unique<PluginKernel>(fn, user_data, library, kernel_label);
    });
    KernelDef def = builder.defs().front();
    def.library = library;
    r->kernels.push_back(std::move(def));
  });
}

// --- attrs -----------------------------------------------------------------------------------

GrStatus attr_int(const GrAttrs* attrs, const char* name, int64_t* value) {
  return host_call([&] { *value = typed_attr(attrs, name, proto::Attr::kI, "an int").i(); });
}
GrStatus attr_float(const GrAttrs* attrs, const char* name, double* value) {
  return host_call([&] { *value = typed_attr(attrs, name, proto::Attr::kF, "a float").f(); });
}
GrStatus attr_bool(const GrAttrs* attrs, const char* name, int32_t* value) {
  return host_call([&] { *value = typed_attr(attrs, name, proto::Attr::kB, "a bool").b() ? 1 : 0; });
}
GrStatus attr_string(const GrAttrs* attrs, const char* name, const char** value) {
  return host_call([&] { *value = typed_attr(attrs, name, proto::Attr::kS, "a string").s().c_str(); });
}
GrStatus attr_ints(const GrAttrs* attrs, const char* name, const int64_t** values, int64_t* count) {
  return host_call([&] {
    const auto& v = typed_attr(attrs, name, proto::Attr::kInts, "a list of ints").ints().v();
    *values = v.data();
    *count = v.size();
  });
}
GrStatus attr_floats(const GrAttrs* attrs, const char* name, const double** values, int64_t* count) {
  return host_call([&] {
    const auto& v = typed_attr(attrs, name, proto::Attr::kFloats, "a list of floats").floats().v();
    *values = v.data();
    *count = v.size();
  });
}

// --- shape functions -------------------------------------------------------------------------

const char* shape_node_name(const GrShapeContext* c) { return c->ctx->node().c_str(); }
const GrAttrs* shape_attrs(const GrShapeContext* c) { return handle_of(c->ctx->attrs()); }
int32_t shape_num_inputs(const GrShapeContext* c) { return c->ctx->num_inputs(); }
GrStatus shape_input(const GrShapeContext* c, int32_t i, GrTensorInfo* info) {
  return host_call([&] {
    if (i < 0 || i >= c->ctx->num_inputs()) c->ctx->error("no input {} ({} inputs)", i, c->ctx->num_inputs());
    *info = info_of(c->ctx->input(i));
  });
}
int64_t shape_batch_size(const GrShapeContext* c) { return c->ctx->batch_size(); }
int32_t shape_num_outputs(const GrShapeContext* c) { return c->ctx->num_outputs(); }
GrStatus shape_output(const GrShapeContext* c, int32_t i, GrTensorInfo* info) {
  return host_call([&] {
    if (i < 0 || i >= c->ctx->num_outputs()) c->ctx->error("no output {} ({} outputs set)", i, c->ctx->num_outputs());
    *info = info_of(c->ctx->output(i));
  });
}
GrStatus shape_set_output(GrShapeContext* c, int32_t i, GrDType dtype, int32_t rank, const int64_t* dims) {
  return host_call([&] {
    if (c->read_only) c->ctx->error("a cost function cannot set outputs");
    if (i < 0 || rank < 0 || (rank > 0 && dims == nullptr)) c->ctx->error("invalid output {} of rank {}", i, rank);
    c->ctx->set_output(i, to_dtype(dtype), Shape(std::vector<int64_t>(dims, dims + rank)));
  });
}

// --- kernels ---------------------------------------------------------------------------------

const char* kernel_node_name(const GrKernelContext* c) { return c->ctx->node().name.c_str(); }
const GrAttrs* kernel_attrs(const GrKernelContext* c) { return handle_of(c->ctx->attrs()); }
int32_t kernel_num_inputs(const GrKernelContext* c) { return c->ctx->num_inputs(); }
int32_t kernel_num_outputs(const GrKernelContext* c) { return c->ctx->num_outputs(); }
GrStatus kernel_input(const GrKernelContext* c, int32_t i, GrTensor* tensor) {
  return host_call([&] {
    if (i < 0 || i >= c->ctx->num_inputs()) fail("no input {} ({} inputs)", i, c->ctx->num_inputs());
    *tensor = tensor_of(c->ctx->input(i));
  });
}
GrStatus kernel_output(GrKernelContext* c, int32_t i, GrTensor* tensor) {
  return host_call([&] {
    if (i < 0 || i >= c->ctx->num_outputs()) fail("no output {} ({} outputs)", i, c->ctx->num_outputs());
    *tensor = tensor_of(c->ctx->output(i));
  });
}
void* kernel_stream(const GrKernelContext* c) { return c->stream; }
uint64_t kernel_seed(const GrKernelContext* c) { return c->ctx->seed(); }
int64_t kernel_step(const GrKernelContext* c) { return c->ctx->step(); }
int32_t kernel_training(const GrKernelContext* c) { return c->ctx->training() ? 1 : 0; }

// --- gradient functions ----------------------------------------------------------------------

const char* grad_node_name(const GrGradContext* c) { return c->g->node().name.c_str(); }
const GrAttrs* grad_attrs(const GrGradContext* c) { return handle_of(c->g->attrs()); }
int32_t grad_num_inputs(const GrGradContext* c) { return c->g->num_inputs(); }
int32_t grad_num_outputs(const GrGradContext* c) { return static_cast<int32_t>(c->g->node().outputs.size()); }
void check_input(const GrGradContext* c, int32_t i) {
  if (i < 0 || i >= c->g->num_inputs()) fail("no input {} ({} inputs)", i, c->g->num_inputs());
}
void check_output(const GrGradContext* c, int32_t i) {
  if (i < 0 || i >= grad_num_outputs(c)) fail("no output {} ({} outputs)", i, grad_num_outputs(c));
}
const char* grad_input(GrGradContext* c, int32_t i) {
  return host_call_str([&] { return check_input(c, i), c->keep(c->g->input(i)); });
}
const char* grad_output(GrGradContext* c, int32_t i) {
  return host_call_str([&] { return check_output(c, i), c->keep(c->g->output(i)); });
}
GrStatus grad_input_info(GrGradContext* c, int32_t i, GrTensorInfo* info) {
  return host_call([&] { check_input(c, i), *info = info_of(c->g->input_info(i)); });
}
const char* grad_of_output(GrGradContext* c, int32_t i) {
  return host_call_str([&] { return check_output(c, i), c->g->grad_output(i).c_str(); });
}
const char* grad_of_output_or_zeros(GrGradContext* c, int32_t i) {
  return host_call_str([&] { return check_output(c, i), c->keep(c->g->grad_output_or_zeros(i)); });
}
const char* grad_add_node(GrGradContext* c, const char* suffix, const char* op, const char* const* inputs,
                          int32_t num_inputs, const GrNamedAttr* attrs, int32_t num_attrs,
                          const char* const* forward_attrs, int32_t num_forward_attrs) {
  return host_call_str([&] {
    std::vector<std::string> in;
    for (int32_t k = 0; k < num_inputs; ++k) in.push_back(str(inputs[k]));
    AttrList list;
    for (int32_t k = 0; k < num_attrs; ++k) list.emplace_back(str(attrs[k].name), to_proto_attr(attrs[k].value));
    std::vector<std::string> copied;
    for (int32_t k = 0; k < num_forward_attrs; ++k) copied.push_back(str(forward_attrs[k]));
    for (auto& entry : c->g->forward_attrs(copied)) list.push_back(std::move(entry));
    return c->keep(c->g->add(str(suffix), str(op), in, list));
  });
}
GrStatus grad_set_input(GrGradContext* c, int32_t i, const char* tensor) {
  return host_call([&] { check_input(c, i), c->g->set_grad_input(i, str(tensor)); });
}

// --- ABI version 3: ONNX ------------------------------------------------------------------------

GrStatus op_onnx(GrOpBuilder* b, const char* domain, const char* op_type, int32_t since_version) {
  return host_call([&] {
    OnnxMapping& m = b->onnx;
    std::string d = str(domain), type = str(op_type);
    if (type.empty()) fail("op {}: op_onnx needs an ONNX op type", b->name);
    if (since_version < 1) fail("op {}: ONNX since_version {} is not positive", b->name, since_version);
    if (!m.since_versions.empty() && (m.domain != d || m.op_type != type))
      fail("op {} is ONNX op {} of domain '{}' already: an op is one ONNX op (call op_onnx again per since-version)",
           b->name, m.op_type, m.domain);
    m = OnnxMapping{b->name, d, type, m.since_versions};
    m.since_versions.push_back(since_version);
  });
}

// --- ABI version 3: traits the graph passes read ---------------------------------------------

// A plugin's condition as a trait's NodeCondition: it reads the node through a read-only shape
// context, as a cost function does (the batch size it sees is 0).
NodeCondition node_condition(GrNodeConditionFn fn, void* user_data, const std::string& library) {
  if (fn == nullptr) return nullptr;
  return [fn, user_data, library](const NodeInfo& node) {
    InferenceContext ctx(node.op, node.name, node.attrs, node.inputs, 0);
    for (int k = 0; k < static_cast<int>(node.outputs.size()); ++k)
      ctx.set_output(k, node.outputs[k].dtype, node.outputs[k].shape);
    GrShapeContext c{&ctx, true};
    int32_t holds = 0;
    std::string error = call_plugin([&](char* e, size_t n) { return fn(&c, user_data, &holds, e, n); });
    if (!error.empty()) fail("{} '{}': trait condition of plugin {} failed: {}", node.op, node.name, library, error);
    return holds != 0;
  };
}

KernelDef& last_kernel(GrRegistrar* r) {
  if (r->kernels.empty()) fail("plugin {}: a kernel trait before any kernel_register", r->library);
  return r->kernels.back();
}

GrStatus op_elementwise(GrOpBuilder* b) {
  return host_call([&] { b->builder.elementwise(); });
}
GrStatus op_bfloat16(GrOpBuilder* b, GrBFloat16 behaviour, GrNodeConditionFn when, void* user_data) {
  return host_call([&] {
    if (behaviour < GR_BF16_KEEPS_FLOAT32 || behaviour > GR_BF16_FOLLOWS)
      fail("op {}: unknown bfloat16 behaviour {}", b->name, behaviour);
    b->builder.bfloat16(static_cast<BFloat16Behaviour>(behaviour),
                        node_condition(when, user_data, b->registrar->library));
  });
}
GrStatus op_float32_gradients_attr(GrOpBuilder* b, const char* bool_attr) {
  return host_call([&] { b->builder.float32_gradients_attr(str(bool_attr)); });  // checked when the op is built
}
GrStatus kernel_any_layout(GrRegistrar* r, const int32_t* inputs, int32_t num_inputs, const int32_t* outputs,
                           int32_t num_outputs, GrNodeConditionFn when, void* user_data) {
  return host_call([&] {
    KernelDef& kernel = last_kernel(r);
    if (num_inputs < 0 || num_outputs < 0 || (num_inputs > 0 && inputs == nullptr) ||
        (num_outputs > 0 && outputs == nullptr))
      fail("kernel '{}' of op '{}': invalid input or output list", kernel.label, kernel.op);
    kernel.any_layout = KernelLayouts{std::vector<int>(inputs, inputs + num_inputs),
                                      std::vector<int>(outputs, outputs + num_outputs),
                                      node_condition(when, user_data, r->library)};
  });
}
GrStatus kernel_fuses_activation(GrRegistrar* r, const char* activation, const char* fused_op) {
  return host_call([&] {
    KernelDef& kernel = last_kernel(r);
    if (*str(activation) == '\0' || *str(fused_op) == '\0')
      fail("kernel '{}' of op '{}': fuses_activation needs an activation and a fused op", kernel.label, kernel.op);
    kernel.fusions.push_back(ActivationFusion{str(activation), str(fused_op)});
  });
}
GrLayout layout_of(const std::vector<TensorInfo>& tensors, int32_t i) {
  if (i < 0 || i >= static_cast<int32_t>(tensors.size())) return GR_LAYOUT_PLAIN;
  return tensors[i].layout == MemoryLayout::kBlocked16 ? GR_LAYOUT_BLOCKED16 : GR_LAYOUT_PLAIN;
}
GrLayout kernel_input_layout(const GrKernelContext* c, int32_t i) { return layout_of(c->ctx->node().inputs, i); }
GrLayout kernel_output_layout(const GrKernelContext* c, int32_t i) { return layout_of(c->ctx->node().outputs, i); }

const char* last_error() { return last_error_message.c_str(); }

GrHostApi make_host_api() {
  GrHostApi api{};
  api.struct_size = sizeof(GrHostApi);
  api.abi_version = GRAPHRUN_PLUGIN_ABI_VERSION;
  api.host_version = GRAPHRUN_VERSION;
  api.last_error = last_error;
  api.op_begin = op_begin;
  api.op_doc = op_doc;
  api.op_input = op_input;
  api.op_output = op_output;
  api.op_attr = op_attr;
  api.op_shape_fn = op_shape_fn;
  api.op_grad_fn = op_grad_fn;
  api.op_no_gradient = op_no_gradient;
  api.op_split_rule = op_split_rule;
  api.op_finish = op_finish;
  api.kernel_register = kernel_register;
  api.attr_int = attr_int;
  api.attr_float = attr_float;
  api.attr_bool = attr_bool;
  api.attr_string = attr_string;
  api.attr_ints = attr_ints;
  api.attr_floats = attr_floats;
  api.shape_node_name = shape_node_name;
  api.shape_attrs = shape_attrs;
  api.shape_num_inputs = shape_num_inputs;
  api.shape_input = shape_input;
  api.shape_batch_size = shape_batch_size;
  api.shape_set_output = shape_set_output;
  api.kernel_node_name = kernel_node_name;
  api.kernel_attrs = kernel_attrs;
  api.kernel_num_inputs = kernel_num_inputs;
  api.kernel_num_outputs = kernel_num_outputs;
  api.kernel_input = kernel_input;
  api.kernel_output = kernel_output;
  api.kernel_stream = kernel_stream;
  api.kernel_seed = kernel_seed;
  api.kernel_step = kernel_step;
  api.kernel_training = kernel_training;
  api.grad_node_name = grad_node_name;
  api.grad_attrs = grad_attrs;
  api.grad_num_inputs = grad_num_inputs;
  api.grad_num_outputs = grad_num_outputs;
  api.grad_input = grad_input;
  api.grad_output = grad_output;
  api.grad_input_info = grad_input_info;
  api.grad_of_output = grad_of_output;
  api.grad_of_output_or_zeros = grad_of_output_or_zeros;
  api.grad_add_node = grad_add_node;
  api.grad_set_input = grad_set_input;
  // ABI version 2
  api.op_cost_fn = op_cost_fn;
  api.op_reuse_input = op_reuse_input;
  api.shape_num_outputs = shape_num_outputs;
  api.shape_output = shape_output;
  // ABI version 3
  api.op_onnx = op_onnx;
  api.op_elementwise = op_elementwise;
  api.op_bfloat16 = op_bfloat16;
  api.op_float32_gradients_attr = op_float32_gradients_attr;
  api.kernel_any_layout = kernel_any_layout;
  api.kernel_fuses_activation = kernel_fuses_activation;
  api.kernel_input_layout = kernel_input_layout;
  api.kernel_output_layout = kernel_output_layout;
  return api;
}

}  // namespace

const GrHostApi& host_api() {
  static const GrHostApi api = make_host_api();
  return api;
}

void set_native_stream_provider(NativeStreamProvider provider) { stream_provider = provider; }

LoadedPlugin register_through_abi(PluginInitFn init, const std::string& library) {
  GrRegistrar registrar{library, {}, {}, {}, {}};
  std::string error = call_plugin(
      [&](char* e, size_t n) { return init(&host_api(), GRAPHRUN_PLUGIN_ABI_VERSION, &registrar, e, n); });
  if (!error.empty()) fail("plugin {}: init failed: {}", library, error);
  if (!registrar.open.empty()) fail("plugin {}: op {} was begun but never finished", library, registrar.open[0]->name);
  // All or nothing: check every op and kernel before registering any.
  OpRegistry& ops = OpRegistry::global();
  for (auto& def : registrar.ops)
    if (ops.find(def.name) != nullptr) ops.add(std::move(def));  // throws naming both libraries
  for (const auto& kernel : registrar.kernels) {
    bool own = std::any_of(registrar.ops.begin(), registrar.ops.end(),
                           [&](const OpDef& d) { return d.name == kernel.op; });
    if (!own && ops.find(kernel.op) == nullptr)
      fail("plugin {}: kernel '{}' is for op '{}', which neither it nor graphrun defines", library, kernel.label,
           kernel.op);
  }
  for (const auto& mapping : registrar.onnx) check_onnx_mapping(mapping);
  LoadedPlugin loaded;
  loaded.path = library;
  for (auto& def : registrar.ops) {
    loaded.ops.push_back(def.name);
    ops.add(std::move(def));
  }
  for (const auto& mapping : registrar.onnx) declare_onnx_mapping(mapping);
  for (auto& kernel : registrar.kernels) KernelRegistry::global().add(std::move(kernel));
  loaded.kernels = static_cast<int>(registrar.kernels.size());
  return loaded;
}

}  // namespace graphrun
