// Shape and cost functions shared by many ops.
#pragma once

#include "core/op_registry.h"

namespace graphrun::shape_fns {

// One output with input 0's dtype and shape (Relu, Dropout, Identity, ...); all inputs must
// match it.
void same_as_input(InferenceContext& ctx);

// One output of the shape of two float inputs that must have the same shape (Add, Mul): graphrun's
// binary elementwise ops do not broadcast, and the error says so.
void same_shape_binary(InferenceContext& ctx);

// The dtype of a weight-gradient op's outputs (Conv2DBackpropFilter, DenseBackpropWeight): the
// inputs', or float32 where the attr float32_gradients asks it of bfloat16 inputs (with float32
// inputs it changes nothing; with float64 ones it is an error).
DType weight_gradient_dtype(const InferenceContext& ctx);

// Cost of an elementwise op doing `flops_per_element` per output element.
CostFn elementwise_cost(double flops_per_element);

// Bytes read and written by a node at its inferred shapes.
double io_bytes(const InferenceContext& ctx);

}  // namespace graphrun::shape_fns
