// oneDNN elementwise primitives for the activations oneDNN computes (Relu, LeakyRelu, Tanh, Clip): the
// forward y = f(x) and the backward dx = f'(data) * dy, over a node's tensors viewed as flat
// vectors (elementwise math does not care about the shape). Each op gives the algorithm and its
// alpha / beta from the node's attrs, and the dtypes it computes in (bf16 where the op's
// traits let it compute in bf16); the primitive is built once per node.
#pragma once

#include <initializer_list>
#include <string>

#include "ops/common/onednn.h"

namespace graphrun::onednn {

struct EltwiseAlgorithm {
  dnnl::algorithm algorithm;
  float alpha = 0.f;
  float beta = 0.f;
};
using EltwiseAlgorithmFn = EltwiseAlgorithm (*)(const AttrMap& attrs);

// Forward: input 0 is x, output 0 is y.
KernelBuilder eltwise_forward_kernel(const std::string& op, EltwiseAlgorithmFn algorithm,
                                     std::initializer_list<DType> dtypes = {DType::kFloat32});
// Backward: input 0 is dy, input 1 the data the algorithm's derivative reads (the forward's x,
// or its y for a *_use_dst_for_bwd algorithm), output 0 is dx.
KernelBuilder eltwise_backward_kernel(const std::string& op, EltwiseAlgorithmFn algorithm, bool data_is_output,
                                      std::initializer_list<DType> dtypes = {DType::kFloat32});

}  // namespace graphrun::onednn
