// oneDNN LeakyRelu and LeakyReluGrad: eltwise_relu with alpha as the negative slope (its backward
// gives alpha * dy at x = 0, the reference's convention).
#include "ops/common/onednn_eltwise.h"

namespace graphrun {

namespace {

onednn::EltwiseAlgorithm leaky_relu(const AttrMap& attrs) {
  return {dnnl::algorithm::eltwise_relu, static_cast<float>(attrs.f("alpha"))};
}

GR_REGISTER_KERNEL(onednn::eltwise_forward_kernel("LeakyRelu", leaky_relu));
GR_REGISTER_KERNEL(onednn::eltwise_backward_kernel("LeakyReluGrad", leaky_relu, /*data_is_output=*/false));

}  // namespace
}  // namespace graphrun
