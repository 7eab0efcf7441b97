// Math precision of float32 convolutions and matrix products on devices that can trade mantissa
// bits for speed (TF32 tensor cores on NVIDIA GPUs). Float32 by default, as the reference
// kernels compute; `--precision tf32` allows TF32. A process-wide switch, like PyTorch's
// torch.backends.cuda.matmul.allow_tf32 and TensorFlow's enable_tensor_float_32_execution:
// kernels read it when they are built (at graph load), so set it before loading a graph.
// bf16 mixed precision is the third value: it changes tensor dtypes, so it is a graph pass
// (runtime/passes/mixed_precision.h: casts as nodes, float32 master weights, updates and loss)
// that compilation applies when this setting asks for it, not a kernel flag.
#pragma once

#include <string>
#include <string_view>

namespace graphrun {

enum class MathPrecision {
  kFloat32,  // IEEE float32 products and sums (cuDNN FMA math, cuBLAS pedantic-free default)
  kTF32,     // float32 tensors, products in TF32 (10-bit mantissa), float32 accumulation
  kBFloat16, // convolutions, matrix products and the activations between them in bfloat16
};

MathPrecision math_precision();
void set_math_precision(MathPrecision precision);
// "fp32" (or "float32") and "tf32"; anything else is an Error naming the choices.
MathPrecision parse_math_precision(std::string_view text);
std::string to_string(MathPrecision precision);

}  // namespace graphrun
