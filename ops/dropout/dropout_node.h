// What a Dropout or DropoutGrad node's kernel draws its mask from, read once from the node: the
// name the mask is keyed by, the rate and the shard's slice. The CPU and CUDA kernels both read
// it here, so their masks agree (dropout_mask.h computes the mask itself).
#pragma once

#include <cstdint>
#include <string>

#include "core/kernel_registry.h"
#include "ops/dropout/dropout_mask.h"

namespace graphrun::dropout {

struct MaskNode {
  std::string key_name;
  double rate;
  MaskSlice slice;

  explicit MaskNode(const NodeInfo& node)
      : key_name(mask_key_name(node)),
        rate(node.attrs.f("rate")),
        slice(node.attrs.ints("mask_slice"), node.inputs.at(0).shape.dims(), node.attrs.i("mask_offset")) {}

  // This step's mask key.
  uint64_t key(const KernelContext& ctx) const { return mask_key(ctx.seed(), ctx.step(), key_name); }

  // DropoutGrad names its forward node in `forward_node`; a shard of a split Dropout names its
  // logical node in `mask_name`; otherwise the node's own name.
  static std::string mask_key_name(const NodeInfo& node) {
    if (node.attrs.has("forward_node")) return node.attrs.s("forward_node");
    const std::string& logical = node.attrs.s("mask_name");
    return logical.empty() ? node.name : logical;
  }
};

}  // namespace graphrun::dropout
