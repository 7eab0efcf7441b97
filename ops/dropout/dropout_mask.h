// The dropout mask as a pure function of (seed, step, node name, element index), so DropoutGrad
// regenerates exactly the forward mask instead of storing it, on any device and thread split.
// C++17-clean: the CUDA kernels (dropout_cuda.cu) call the same functions.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/random.h"

namespace graphrun::dropout {

inline uint64_t mask_key(uint64_t seed, int64_t step, std::string_view node) {
  return hash_combine(hash_combine(seed, static_cast<uint64_t>(step)), hash_name(node));
}

// Whether element i survives: dropped with probability `rate`.
GR_HOST_DEVICE inline bool keep(uint64_t key, int64_t i, double rate) { return uniform01(key, static_cast<uint64_t>(i)) >= rate; }

// Survivors are scaled so the expected value is unchanged (inverted dropout, as PyTorch).
GR_HOST_DEVICE inline double scale(double rate) { return 1.0 / (1.0 - rate); }

// A shard of a Dropout split across devices draws its slice of the logical tensor's mask:
// element i of the shard is element logical_index(i) of the whole, so N devices drop exactly
// the elements one device would. `slice` is the attr mask_slice: [axis, offset, logical size
// along the axis], or empty for an unsplit node. `rank_offset` is the attr mask_offset: where the
// logical tensor starts in the mask of the global batch when ranks each compute a share of it
// (rank r of N adds r times its element count), so N ranks drop what one process would.
struct MaskSlice {
  int64_t inner = 1, extent = 1, total = 0, offset = 0, rank_offset = 0;
  MaskSlice(const std::vector<int64_t>& slice, const std::vector<int64_t>& shard_dims, int64_t rank_offset_ = 0)
      : rank_offset(rank_offset_) {
    if (slice.size() != 3) return;
    auto axis = static_cast<size_t>(slice[0]);
    for (size_t d = axis + 1; d < shard_dims.size(); ++d) inner *= shard_dims[d];
    extent = shard_dims.at(axis);
    offset = slice[1];
    total = slice[2];
  }
  GR_HOST_DEVICE int64_t logical_index(int64_t i) const {
    if (total == 0) return rank_offset + i;
    int64_t block = extent * inner, outer = i / block, within = i % block;
    return rank_offset + (outer * total + offset + within / inner) * inner + within % inner;
  }
};

}  // namespace graphrun::dropout
