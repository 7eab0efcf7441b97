// oneDNN Relu and ReluGrad (eltwise_relu forward and backward, ops/common/onednn_eltwise.h), in
// float32 and bf16. The backward reads the forward's input: dx = dy * (x > 0), and alpha 0 gives
// 0 at the kink, as the reference.
#include "ops/common/onednn_eltwise.h"

namespace graphrun {

namespace {

onednn::EltwiseAlgorithm relu(const AttrMap&) { return {dnnl::algorithm::eltwise_relu}; }

GR_REGISTER_KERNEL(onednn::eltwise_backward_kernel("ReluGrad", relu, /*data_is_output=*/false,
                                                   {DType::kFloat32, DType::kBFloat16}));
GR_REGISTER_KERNEL(onednn::eltwise_forward_kernel("Relu", relu, {DType::kFloat32, DType::kBFloat16}));

}  // namespace
}  // namespace graphrun
