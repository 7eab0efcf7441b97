// oneDNN Tanh and TanhGrad; the backward reads the forward's output (tanh_use_dst_for_bwd), so
// the Tanh's input is free once the forward ran.
#include "ops/common/onednn_eltwise.h"

namespace graphrun {

namespace {

onednn::EltwiseAlgorithm tanh_from_output(const AttrMap&) { return {dnnl::algorithm::eltwise_tanh_use_dst_for_bwd}; }

GR_REGISTER_KERNEL(onednn::eltwise_forward_kernel("Tanh", tanh_from_output));
GR_REGISTER_KERNEL(onednn::eltwise_backward_kernel("TanhGrad", tanh_from_output, /*data_is_output=*/true));

}  // namespace
}  // namespace graphrun
