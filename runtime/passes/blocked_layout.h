// The blocked-layout pass: which CPU activations lie channel-blocked (nChw16c, core/layout.h)
// instead of plain NCHW. oneDNN's AVX-512 convolutions and pooling compute in nChw16c; with
// plain tensors between them every convolution reorders its input in and its output out, and
// each backward convolution does the same for x and dy (a quarter of vgg_mini's oneDNN time at
// batch 64, more than its pooling and ReLUs together). As Intel's layout pass for TensorFlow did,
// this pass keeps oneDNN's layout on the tensors that only oneDNN kernels touch.
//
// Ops that declare themselves elementwise (OpTraits::elementwise: Relu, ReluGrad, Add/AddN), read
// with inputs of their output's shape, compute the same in any layout, so a tensor and the
// elementwise ops around it form one group, blocked or plain as a whole. A group is blocked when
// every tensor in it is a 4-D float32/bfloat16 CPU tensor with a channel count that is a multiple
// of 16, every producer and reader is an elementwise op of the group or a node whose kernel (the
// one that will run it) declares that it reads or writes that tensor in any layout
// (KernelLayouts: the oneDNN convolutions and their gradients, pooling, LRN where its channel
// groups are whole blocks; a plugin's kernel that outranks one of them declares nothing), and no
// tensor of it is a sink. Everything else stays plain: inputs, weights, gradients of weights, the FC layers,
// tensors crossing devices. A kernel still reorders where its two sides differ (the last pooling
// before Flatten), so every choice computes the same values; fetched tensors come back plain.
#pragma once

#include <string>

#include "core/graph.h"

namespace graphrun {

// Sets the layout of each chosen tensor in `graph` (placed and partitioned); returns how many.
// A kernel label ("reference") disables the pass, as those kernels read plain tensors only.
int choose_blocked_layouts(Graph& graph, const std::string& kernel_label = "");

}  // namespace graphrun
