/* A plugin in plain C, on the ABI alone: CNegate, y = -x (float32 and float64), with a bool attr
 * `fail` that makes the kernel report an error through the ABI's error buffer. */
#include <graphrun/plugin.h>
#include <stdio.h>

static const GrHostApi* host;

static GrStatus shape(GrShapeContext* ctx, void* user_data, char* error, size_t size) {
  GrTensorInfo x;
  (void)user_data;
  if (host->shape_input(ctx, 0, &x) != GR_OK) {
    snprintf(error, size, "%s", host->last_error());
    return GR_ERROR;
  }
  if (x.dtype != GR_FLOAT32 && x.dtype != GR_FLOAT64) {
    snprintf(error, size, "input 0 must be float32 or float64");
    return GR_ERROR;
  }
  return host->shape_set_output(ctx, 0, x.dtype, x.rank, x.dims);
}

static GrStatus negate(GrKernelContext* ctx, void* user_data, char* error, size_t size) {
  GrTensor x, y;
  int32_t fail = 0;
  int64_t i;
  (void)user_data;
  if (host->attr_bool(host->kernel_attrs(ctx), "fail", &fail) != GR_OK || fail) {
    snprintf(error, size, "%s", fail ? "CNegate was asked to fail" : host->last_error());
    return GR_ERROR;
  }
  if (host->kernel_input(ctx, 0, &x) != GR_OK || host->kernel_output(ctx, 0, &y) != GR_OK) {
    snprintf(error, size, "%s", host->last_error());
    return GR_ERROR;
  }
  for (i = 0; i < x.num_elements; ++i) {
    if (x.dtype == GR_FLOAT32) ((float*)y.data)[i] = -((const float*)x.data)[i];
    else ((double*)y.data)[i] = -((const double*)x.data)[i];
  }
  return GR_OK;
}

/* A version-1 plugin: it calls only functions of ABI version 1, and says so, so loading it on
 * this graphrun shows that older plugins keep working (docs/plugins.md, the ABI policy). */
GRAPHRUN_PLUGIN_EXPORT uint32_t graphrun_plugin_abi_version(void) { return 1; }

GRAPHRUN_PLUGIN_EXPORT GrStatus graphrun_plugin_init(const GrHostApi* h, uint32_t host_abi_version,
                                                     GrRegistrar* registrar, char* error, size_t size) {
  GrAttrValue no = {GR_ATTR_BOOL, 0, 0, NULL, NULL, NULL, 0};
  GrOpBuilder* op;
  (void)host_abi_version;
  host = h;
  op = host->op_begin(registrar, "CNegate");
  if (op == NULL || host->op_doc(op, "y = -x, from a plugin written in C") != GR_OK ||
      host->op_input(op, "x", "") != GR_OK || host->op_output(op, "y", "") != GR_OK ||
      host->op_attr(op, "fail", GR_ATTR_BOOL, &no, "make the kernel fail") != GR_OK ||
      host->op_shape_fn(op, shape, NULL) != GR_OK || host->op_finish(op) != GR_OK ||
      host->kernel_register(registrar, "CNegate", GR_DEVICE_CPU, GR_FLOAT32, "reference", 0, negate, NULL) != GR_OK ||
      host->kernel_register(registrar, "CNegate", GR_DEVICE_CPU, GR_FLOAT64, "reference", 0, negate, NULL) != GR_OK) {
    snprintf(error, size, "%s", host->last_error());
    return GR_ERROR;
  }
  return GR_OK;
}
