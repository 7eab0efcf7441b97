/* graphrun's operator plugin ABI: the stable C interface between graphrun (the host) and an
 * operator plugin (a shared library). Only plain C types cross it: no C++ exception, STL type
 * or class layout, so a plugin built with another compiler or standard library keeps working.
 * Most plugins use the header-only C++ layer over it, <graphrun/plugin.hpp>.
 *
 * A plugin exports two functions (GRAPHRUN_PLUGIN in plugin.hpp writes both):
 *   uint32_t graphrun_plugin_abi_version(void);   the GRAPHRUN_PLUGIN_ABI_VERSION it was built with
 *   GrStatus graphrun_plugin_init(const GrHostApi* host, uint32_t host_abi_version,
 *                                 GrRegistrar* registrar, char* error, size_t error_size);
 * The host reads the version first and refuses a plugin built for a newer ABI than its own;
 * then it calls init once, which registers ops and kernels through host->op_* and
 * host->kernel_register. Nothing registered takes effect unless init returns GR_OK.
 *
 * Versioning (docs/plugins.md): GrHostApi only grows. A new ABI version appends functions at
 * the end of the table and never changes or removes one, so a plugin built for ABI n runs on
 * every host with ABI >= n. `struct_size` is the size of the host's table.
 *
 * Errors: host functions return GR_OK or GR_ERROR (or NULL); host->last_error() then gives the
 * message (per thread). Plugin callbacks return GR_ERROR with a message written into `error`
 * (at most error_size bytes including the terminating NUL).
 *
 * Threading: kernels are called concurrently (for different nodes, and for the same op on
 * different nodes) and must be reentrant; shape and gradient functions are called from one
 * thread at a time. A CUDA kernel must enqueue all its work on the stream it is given
 * (host->kernel_stream) and must not synchronize the device. */
#ifndef GRAPHRUN_PLUGIN_H_
#define GRAPHRUN_PLUGIN_H_

#include <stddef.h>
#include <stdint.h>

#define GRAPHRUN_PLUGIN_ABI_VERSION 3u

#if defined(_WIN32)
#define GRAPHRUN_PLUGIN_EXPORT __declspec(dllexport)
#else
#define GRAPHRUN_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef int32_t GrStatus;
enum { GR_OK = 0, GR_ERROR = 1 };

/* Element types; the numbers are graphrun's (and graph.proto's DataType). */
typedef int32_t GrDType;
enum { GR_INVALID = 0, GR_FLOAT32 = 1, GR_FLOAT64 = 2, GR_INT32 = 3, GR_INT64 = 4, GR_UINT8 = 5, GR_BOOL = 6 };
enum { GR_BFLOAT16 = 7 }; /* ABI 3: kernels for --precision bf16 (uint16 bits: a float32's upper half) */

typedef int32_t GrDeviceType;
enum { GR_DEVICE_CPU = 0, GR_DEVICE_CUDA = 1 };

typedef int32_t GrAttrType;
enum { GR_ATTR_INT = 0, GR_ATTR_FLOAT = 1, GR_ATTR_STRING = 2, GR_ATTR_BOOL = 3, GR_ATTR_INTS = 4, GR_ATTR_FLOATS = 5 };

/* How the split pass (two-device model parallelism) may treat the op. */
typedef int32_t GrSplitRule;
enum {
  GR_SPLIT_WHOLE = 0,       /* default: the op runs whole on one device (its inputs are gathered) */
  GR_SPLIT_ELEMENTWISE = 1  /* output element i depends only on input element i: keeps its inputs' split */
};

/* Opaque handles; only the host looks inside. */
typedef struct GrRegistrar GrRegistrar;       /* registrations of one plugin, valid during init */
typedef struct GrOpBuilder GrOpBuilder;       /* one op being declared */
typedef struct GrAttrs GrAttrs;               /* a node's validated attrs (defaults filled in) */
typedef struct GrShapeContext GrShapeContext; /* a shape function's view of one node */
typedef struct GrKernelContext GrKernelContext; /* one kernel call */
typedef struct GrGradContext GrGradContext;   /* a gradient function's view of one node */

/* An attr value: `type` says which field holds it (int and bool use i). */
typedef struct GrAttrValue {
  GrAttrType type;
  int64_t i;
  double f;
  const char* s;
  const int64_t* ints;
  const double* floats;
  int64_t count; /* elements of ints or floats */
} GrAttrValue;

typedef struct GrNamedAttr {
  const char* name;
  GrAttrValue value;
} GrNamedAttr;

/* A tensor's dtype and shape. dims points into host memory valid during the callback. */
typedef struct GrTensorInfo {
  GrDType dtype;
  int32_t rank;
  const int64_t* dims;
} GrTensorInfo;

/* A tensor in a kernel: row-major data on the kernel's device, valid during the call. */
typedef struct GrTensor {
  GrDType dtype;
  int32_t rank;
  const int64_t* dims;
  int64_t num_elements;
  void* data;
} GrTensor;

typedef GrStatus (*GrShapeFn)(GrShapeContext* ctx, void* user_data, char* error, size_t error_size);
typedef GrStatus (*GrKernelFn)(GrKernelContext* ctx, void* user_data, char* error, size_t error_size);
typedef GrStatus (*GrGradFn)(GrGradContext* ctx, void* user_data, char* error, size_t error_size);

/* ABI version 2: the work of one node at its inferred shapes, for the whole batch (`graphrun
 * inspect` and `bench` report FLOPs; a multiply-add counts 2). */
typedef struct GrCost {
  double flops;
  double bytes; /* bytes read and written */
} GrCost;
/* A cost function reads the node through its shape context (inputs, attrs and, after the shape
 * function ran, outputs: shape_output) and fills *cost. */
typedef GrStatus (*GrCostFn)(GrShapeContext* ctx, void* user_data, GrCost* cost, char* error, size_t error_size);

/* ABI version 3: traits the graph passes read (docs/plugins.md, "Traits"). */
typedef int32_t GrBFloat16; /* how --precision bf16 treats an op */
enum {
  GR_BF16_KEEPS_FLOAT32 = 0, /* default: float32 */
  GR_BF16_COMPUTES = 1,      /* bfloat16 whenever its inputs are float32 or bfloat16 (the products) */
  GR_BF16_FOLLOWS = 2        /* bfloat16 when input 0 arrives in bfloat16 (activations after a product) */
};
typedef int32_t GrLayout; /* how a 4-D float CPU tensor lies in memory */
enum {
  GR_LAYOUT_PLAIN = 0,    /* row-major NCHW */
  GR_LAYOUT_BLOCKED16 = 1 /* oneDNN's nChw16c: per image and group of 16 channels, H x W vectors of 16 */
};
/* Whether a trait holds for one node: reads the node through the shape context (attrs, inputs,
 * and outputs with shape_output, as a cost function does) and sets *holds to 1 or 0. */
typedef GrStatus (*GrNodeConditionFn)(GrShapeContext* ctx, void* user_data, int32_t* holds, char* error,
                                      size_t error_size);

/* The host's functions. ABI version 1, then the members of versions 2 and 3 appended. New versions append
 * members; never reorder. */
typedef struct GrHostApi {
  uint32_t struct_size; /* sizeof(GrHostApi) in the host */
  uint32_t abi_version; /* the host's GRAPHRUN_PLUGIN_ABI_VERSION */
  const char* host_version; /* graphrun's version, "0.1.0" */
  /* The message of the last failed host call on this thread. */
  const char* (*last_error)(void);

  /* --- registration (during graphrun_plugin_init only) --- */
  GrOpBuilder* (*op_begin)(GrRegistrar* registrar, const char* name); /* NULL on error */
  GrStatus (*op_doc)(GrOpBuilder* op, const char* doc);
  GrStatus (*op_input)(GrOpBuilder* op, const char* name, const char* doc);
  GrStatus (*op_output)(GrOpBuilder* op, const char* name, const char* doc);
  /* default_value NULL: the attr is required. */
  GrStatus (*op_attr)(GrOpBuilder* op, const char* name, GrAttrType type, const GrAttrValue* default_value,
                      const char* doc);
  GrStatus (*op_shape_fn)(GrOpBuilder* op, GrShapeFn fn, void* user_data);
  GrStatus (*op_grad_fn)(GrOpBuilder* op, GrGradFn fn, void* user_data);
  GrStatus (*op_no_gradient)(GrOpBuilder* op, int32_t input); /* an input that takes no gradient */
  GrStatus (*op_split_rule)(GrOpBuilder* op, GrSplitRule rule);
  /* Ends the declaration (the builder is gone after this call, also on error). */
  GrStatus (*op_finish)(GrOpBuilder* op);
  /* A kernel for (op, device, dtype); the op is this plugin's or already registered. Higher
   * priority wins (built-in reference kernels use 0, oneDNN 10). label: "reference", "cuda". */
  GrStatus (*kernel_register)(GrRegistrar* registrar, const char* op, GrDeviceType device, GrDType dtype,
                              const char* label, int32_t priority, GrKernelFn fn, void* user_data);

  /* --- attrs (of the node a shape, kernel or gradient function sees) --- */
  GrStatus (*attr_int)(const GrAttrs* attrs, const char* name, int64_t* value);
  GrStatus (*attr_float)(const GrAttrs* attrs, const char* name, double* value);
  GrStatus (*attr_bool)(const GrAttrs* attrs, const char* name, int32_t* value);
  GrStatus (*attr_string)(const GrAttrs* attrs, const char* name, const char** value);
  GrStatus (*attr_ints)(const GrAttrs* attrs, const char* name, const int64_t** values, int64_t* count);
  GrStatus (*attr_floats)(const GrAttrs* attrs, const char* name, const double** values, int64_t* count);

  /* --- shape functions --- */
  const char* (*shape_node_name)(const GrShapeContext* ctx);
  const GrAttrs* (*shape_attrs)(const GrShapeContext* ctx);
  int32_t (*shape_num_inputs)(const GrShapeContext* ctx);
  GrStatus (*shape_input)(const GrShapeContext* ctx, int32_t i, GrTensorInfo* info);
  int64_t (*shape_batch_size)(const GrShapeContext* ctx);
  GrStatus (*shape_set_output)(GrShapeContext* ctx, int32_t i, GrDType dtype, int32_t rank, const int64_t* dims);

  /* --- kernels --- */
  const char* (*kernel_node_name)(const GrKernelContext* ctx);
  const GrAttrs* (*kernel_attrs)(const GrKernelContext* ctx);
  int32_t (*kernel_num_inputs)(const GrKernelContext* ctx);
  int32_t (*kernel_num_outputs)(const GrKernelContext* ctx);
  GrStatus (*kernel_input)(const GrKernelContext* ctx, int32_t i, GrTensor* tensor);
  /* Output i at its inferred dtype and shape, allocated on the kernel's device. */
  GrStatus (*kernel_output)(GrKernelContext* ctx, int32_t i, GrTensor* tensor);
  /* The device stream to enqueue on: a cudaStream_t for CUDA kernels, NULL on the CPU. */
  void* (*kernel_stream)(const GrKernelContext* ctx);
  uint64_t (*kernel_seed)(const GrKernelContext* ctx); /* randomness keyed by (seed, step, node) */
  int64_t (*kernel_step)(const GrKernelContext* ctx);
  int32_t (*kernel_training)(const GrKernelContext* ctx);

  /* --- gradient functions: they add ordinary graph nodes, never compute --- */
  const char* (*grad_node_name)(const GrGradContext* ctx);
  const GrAttrs* (*grad_attrs)(const GrGradContext* ctx);
  int32_t (*grad_num_inputs)(const GrGradContext* ctx);
  int32_t (*grad_num_outputs)(const GrGradContext* ctx);
  /* Tensor names ("conv1", "split:1"), valid until the gradient function returns. */
  const char* (*grad_input)(GrGradContext* ctx, int32_t i);
  const char* (*grad_output)(GrGradContext* ctx, int32_t i);
  GrStatus (*grad_input_info)(GrGradContext* ctx, int32_t i, GrTensorInfo* info);
  /* The gradient of output i ("" when none flows into it), or a ZerosLike of it. */
  const char* (*grad_of_output)(GrGradContext* ctx, int32_t i);
  const char* (*grad_of_output_or_zeros)(GrGradContext* ctx, int32_t i);
  /* Adds node "<node>/grad/<suffix>" running `op` on `inputs` with `attrs` plus copies of the
   * forward node's attrs named in `forward_attrs`; returns its name (NULL on error). */
  const char* (*grad_add_node)(GrGradContext* ctx, const char* suffix, const char* op, const char* const* inputs,
                               int32_t num_inputs, const GrNamedAttr* attrs, int32_t num_attrs,
                               const char* const* forward_attrs, int32_t num_forward_attrs);
  /* Declares the gradient of input i. */
  GrStatus (*grad_set_input)(GrGradContext* ctx, int32_t i, const char* tensor);

  /* --- ABI version 2 (a plugin built for version 1 never reads below here) --- */
  /* The op's cost function; without one a plugin op counts 0 FLOPs and 0 bytes. */
  GrStatus (*op_cost_fn)(GrOpBuilder* op, GrCostFn fn, void* user_data);
  /* Output `output` may be written into input `input`'s buffer: when nothing else reads that
   * input afterwards and it has the output's dtype and shape, graphrun hands the kernel the same
   * memory as both (no allocation; the memory plan counts it). The kernel must then be correct
   * with input and output the same memory (an elementwise loop reading x[i] before writing y[i]
   * is). */
  GrStatus (*op_reuse_input)(GrOpBuilder* op, int32_t output, int32_t input);
  /* In a cost function: the outputs the shape function set. */
  int32_t (*shape_num_outputs)(const GrShapeContext* ctx);
  GrStatus (*shape_output)(const GrShapeContext* ctx, int32_t i, GrTensorInfo* info);

  /* --- ABI version 3: ONNX (a plugin built for version 1 or 2 never reads below here) --- */
  /* The op is one ONNX node of `domain` ("" for ONNX's own ops) and `op_type`: its inputs and
   * outputs in order, its attrs the op's by name (int, float, string, bool as an ONNX int, ints,
   * floats). Importing an ONNX model (with the plugin loaded) makes such a node this op; exporting
   * writes the op as that node and lists the domain in the model's opset_import at the newest
   * since_version declared. Call once per since-version of the ONNX op it handles. */
  GrStatus (*op_onnx)(GrOpBuilder* op, const char* domain, const char* op_type, int32_t since_version);
  /* ABI version 3, continued: traits the graph passes read. */
  /* Output 0 is computed element by element from inputs of its own shape, so its kernels compute
   * the same in any layout: the blocked-layout pass may hand them blocked tensors. */
  GrStatus (*op_elementwise)(GrOpBuilder* op);
  /* How --precision bf16 treats the op; `when` (NULL: always) narrows it to some nodes. The op
   * needs GR_BFLOAT16 kernels then. */
  GrStatus (*op_bfloat16)(GrOpBuilder* op, GrBFloat16 behaviour, GrNodeConditionFn when, void* user_data);
  /* A weight-gradient op's bool attr that makes its kernels write float32 gradients from
   * bfloat16 inputs (graphrun sets it where only casts to float32 read those gradients). */
  GrStatus (*op_float32_gradients_attr)(GrOpBuilder* op, const char* bool_attr);
  /* Traits of the kernel this registrar registered last (kernel_register): it reads inputs
   * `inputs` and writes outputs `outputs` in whatever layout they lie in (kernel_input_layout and
   * kernel_output_layout say which), for the nodes `when` accepts (NULL: all). */
  GrStatus (*kernel_any_layout)(GrRegistrar* registrar, const int32_t* inputs, int32_t num_inputs,
                                const int32_t* outputs, int32_t num_outputs, GrNodeConditionFn when, void* user_data);
  /* ... and it applies `activation` to its output 0 itself: a node of its op read only by an
   * `activation` node becomes with it one `fused_op` node (the node's attrs that fused_op declares
   * are copied; its inputs are the node's). fused_op needs a kernel there. */
  GrStatus (*kernel_fuses_activation)(GrRegistrar* registrar, const char* activation, const char* fused_op);
  GrLayout (*kernel_input_layout)(const GrKernelContext* ctx, int32_t i);
  GrLayout (*kernel_output_layout)(const GrKernelContext* ctx, int32_t i);
} GrHostApi;

/* The plugin's entry points (declared here so a plugin's definitions are checked). */
GRAPHRUN_PLUGIN_EXPORT uint32_t graphrun_plugin_abi_version(void);
GRAPHRUN_PLUGIN_EXPORT GrStatus graphrun_plugin_init(const GrHostApi* host, uint32_t host_abi_version,
                                                     GrRegistrar* registrar, char* error, size_t error_size);

#ifdef __cplusplus
}
#endif

#endif /* GRAPHRUN_PLUGIN_H_ */
