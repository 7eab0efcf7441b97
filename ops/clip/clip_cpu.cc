// oneDNN Clip and ClipGrad: eltwise_clip_v2, whose backward passes dy only strictly inside
// (min, max), the reference's convention at the kinks.
#include "ops/common/onednn_eltwise.h"

namespace graphrun {

namespace {

onednn::EltwiseAlgorithm clip(const AttrMap& attrs) {
  return {dnnl::algorithm::eltwise_clip_v2, static_cast<float>(attrs.f("min")), static_cast<float>(attrs.f("max"))};
}

GR_REGISTER_KERNEL(onednn::eltwise_forward_kernel("Clip", clip));
GR_REGISTER_KERNEL(onednn::eltwise_backward_kernel("ClipGrad", clip, /*data_is_output=*/false));

}  // namespace
}  // namespace graphrun
