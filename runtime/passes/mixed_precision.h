// bfloat16 mixed precision (--precision bf16) as a graph pass on the forward graph, before
// autodiff, as each op declares (OpTraits::bfloat16): convolutions (but those with under 16 input
// channels a group, as a first layer on RGB) and matrix products run in bfloat16, and so do the
// activations between them (Relu, pooling, LRN, reshapes) when their input already is; everything
// else (the loss, softmax, dropout) stays float32. Casts are ordinary Cast nodes at the region's borders, so the
// memory plan, the profile and autodiff see them. Variables stay float32 (the master weights):
// each step casts them to bfloat16 where a bfloat16 op reads them, and the gradient of that Cast
// casts back, so the optimizer's update and the sum of a variable's gradients are float32, as
// PyTorch's autocast does it (after autodiff, float32_weight_gradients below lets the weight-
// gradient kernels write those float32 gradients directly). A bfloat16 node whose output is a
// graph output (a sink, or the logits the trainer's loss reads) is renamed "<name>/bf16" and a
// Cast to float32 takes its name, so fetched tensors keep their names and dtype.
#pragma once

#include "core/graph.h"

namespace graphrun {

// The graph with the bfloat16 region and its casts; a graph with no convolution or matrix
// product comes back unchanged.
Graph to_mixed_bfloat16(const Graph& forward);

// After autodiff: each bfloat16 weight-gradient op (one that declares OpTraits::
// float32_gradients_attr: Conv2DBackpropFilter, DenseBackpropWeight) whose gradients are read
// only by Casts to float32 (the gradients of the weights' casts to bfloat16) writes them in
// float32 itself (that attr set), and those Casts become Identities, which alias and keep their
// names, so the training graph's gradient map still holds. On AlexNet this spares a pass over
// every weight's size each step, and the master weights get gradients that were never rounded to
// bfloat16, as PyTorch's autocast gives them. Only where the kernel that runs the op is of the
// op's own library (one that another library put above it may not know the attr); a kernel label,
// as "reference", leaves the graph as it is. `rewritten` (if not null) counts the ops.
Graph float32_weight_gradients(const Graph& training, const std::string& kernel_label = "", int* rewritten = nullptr);

// Throws Error naming AVX512_BF16 when this CPU lacks it: oneDNN would otherwise emulate bfloat16
// slowly, and --precision bf16 is asked for speed.
void require_bfloat16_cpu();

}  // namespace graphrun
