// The view both oneDNN LRN kernels compute on. With groups > 1 the [N, C, H, W] tensor is viewed as
// [N * groups, C / groups, H, W]: the same memory, in which oneDNN's channel window cannot cross a
// group. When C / groups is a multiple of 16 this holds in the channel-blocked layout as well
// (core/layout.h): no block of 16 channels straddles two groups, so the view of a blocked tensor
// is the blocked tensor of the view. The blocked-layout pass blocks LRN tensors only then.
#pragma once

#include "core/kernel_registry.h"
#include "core/layout.h"

namespace graphrun::lrn {

// `tensor` seen as `items` image-groups of C / groups channels (items: N * groups for the whole
// tensor, fewer for a chunk of it), in its own layout.
inline TensorInfo group_view(const TensorInfo& tensor, int64_t groups, int64_t items) {
  const Shape& s = tensor.shape;
  return TensorInfo{tensor.dtype, Shape{items, s[1] / groups, s[2], s[3]}, tensor.layout};
}

// Whether the view keeps the blocked layout: whole blocks of 16 channels in every group.
inline bool groups_fit_blocks(int64_t channels, int64_t groups) {
  return groups > 0 && channels % groups == 0 && (channels / groups) % kChannelBlock == 0;
}

// When the oneDNN LRN kernels take their tensors in any layout (KernelLayouts::when).
inline bool node_groups_fit_blocks(const NodeInfo& node) {
  return groups_fit_blocks(node.outputs[0].shape[1], node.attrs.i("groups"));
}

}  // namespace graphrun::lrn
