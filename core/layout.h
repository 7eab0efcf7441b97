// How a 4-D activation lies in memory. Graph tensors are logically NCHW; on the CPU a tensor that
// only oneDNN kernels write and read may instead lie channel-blocked (oneDNN's nChw16c: for each
// image and each group of 16 channels, H x W vectors of 16), the layout oneDNN's AVX-512
// convolutions and pooling use. Keeping it between them saves the reorder in and out of every
// convolution (a quarter of vgg_mini's oneDNN time at batch 64). The blocked-layout pass
// (runtime/passes/blocked_layout.h) chooses it; a tensor is blocked only when its channel count
// is a multiple of 16, so both layouts hold the same number of elements and the memory plan
// does not change. Fetched tensors are always returned plain.
#pragma once

#include <cstdint>

namespace graphrun {

class Tensor;
struct TensorInfo;

enum class MemoryLayout : uint8_t { kPlain = 0, kBlocked16 = 1 };

inline constexpr int64_t kChannelBlock = 16;

// Whether a tensor may lie blocked: 4-D with a channel count that is a multiple of 16.
bool can_block(const TensorInfo& info);

// Host copies between the layouts (tests, and fetches of a blocked tensor), for any element size.
Tensor to_blocked(const Tensor& plain);
Tensor to_plain(const Tensor& blocked);

}  // namespace graphrun
