// oneDNN elementwise primitives for the activations oneDNN computes (LeakyRelu, Tanh, Clip): the
// forward y = f(x) and the backward dx = f'(data) * dy, over a node's tensors viewed as flat
// vectors (elementwise math does not care about the shape). Each op gives the algorithm and its
// alpha / beta from the node's attrs; the primitive is built once per node.
#pragma once

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
KernelBuilder eltwise_forward_kernel(const std::string& op, EltwiseAlgorithmFn algorithm);
// Backward: input 0 is dy, input 1 the data the algorithm's derivative reads (the forward's x,
// or its y for a *_use_dst_for_bwd algorithm), output 0 is dx.
KernelBuilder eltwise_backward_kernel(const std::string& op, EltwiseAlgorithmFn algorithm, bool data_is_output);

}  // namespace graphrun::onednn
