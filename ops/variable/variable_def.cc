// Variable: a trainable parameter, alive across runs in the VariableStore. Its initial value
// comes from `init` (the paper's AlexNet: weights gaussian(std 0.01), some biases constant 1).
// lr_mult and decay_mult scale the learning rate and weight decay per variable, as in Caffe.
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

namespace {
proto::Attr empty_tensor_attr() {
  proto::Attr a;
  a.mutable_tensor();
  return a;
}
}  // namespace

GR_REGISTER_OP("Variable")
    .doc("A trainable parameter; OIHW for conv weights, [out, in] for dense weights.")
    .output("value", "the variable's current value")
    .attr("shape", AttrType::kShape, "dimensions, all positive")
    .attr("dtype", AttrType::kDType, attr_dtype(DType::kFloat32), "element type (float32 or float64)")
    .attr("init", AttrType::kInit, attr_init_xavier(), "initializer: gaussian, uniform, constant, xavier, kaiming")
    // An imported model's weights (ONNX initializers) travel with the graph: raw little-endian
    // float32 / float64 bytes in the variable's shape, used instead of `init` when present.
    .attr("value", AttrType::kTensor, empty_tensor_attr(), "initial value given with the model (raw float32/float64); replaces init when set")
    .attr("lr_mult", AttrType::kFloat, attr_float(1.0), "learning-rate multiplier (Caffe's lr_mult)")
    .attr("decay_mult", AttrType::kFloat, attr_float(1.0), "weight-decay multiplier (Caffe's decay_mult)")
    .attr("trainable", AttrType::kBool, attr_bool(true), "whether the optimizer updates it")
    // Set by the split pass: this Variable is one part of a logical variable cut across devices.
    // Initializers, .npz files and checkpoints stay logical (core/variable_parts.h).
    .attr("part_of", AttrType::kString, attr_string(""), "the logical variable this is a part of (\"\": none)")
    .attr("part_axis", AttrType::kInt, attr_int(0), "the axis the logical variable is cut along")
    .attr("part_offset", AttrType::kInt, attr_int(0), "where this part starts along part_axis")
    .attr("part_shape", AttrType::kShape, attr_shape(Shape{}), "the logical variable's shape")
    .stateful()
    .shape_fn([](InferenceContext& ctx) {
      Shape shape = ctx.attrs().shape("shape");
      for (int d = 0; d < shape.rank(); ++d)
        if (shape[d] <= 0) ctx.error("attr 'shape' = {}: dimension {} must be positive", shape.str(), d);
      DType dtype = ctx.attrs().dtype("dtype");
      if (!is_floating(dtype)) ctx.error("attr 'dtype' must be float32 or float64, got {}", dtype_name(dtype));
      ctx.set_output(0, dtype, shape);
    })
    .cost_fn([](const InferenceContext& ctx) { return Cost{0, 0}; });

}  // namespace graphrun
