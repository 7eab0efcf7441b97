// Pictures of learned convolution kernels, as in the AlexNet paper's Figure 3: each output
// channel's kernel is a tile (in colour when it reads 3 channels, grey when it reads 1, else one
// grey tile per input channel along a row), tiles fill a grid, and groups of output channels (the
// two GPUs' halves of conv1) are blocks one under the other.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "runtime/data/image_codec.h"

namespace graphrun {

struct FilterGridOptions {
  int64_t groups = 1;      // blocks of consecutive output channels, separated by a wider gap
  int64_t scale = 0;       // pixels per weight (nearest neighbour); 0: tiles of about 40 pixels
  int64_t columns = 0;     // tiles per row in a block; 0: 16 (the paper's figure), fewer if fewer
  bool per_filter = true;  // stretch each kernel over its own range (else one range for all)
};

// `weight`: an OIHW float tensor on the host. The background and the gaps are white; a constant
// kernel is mid-grey. Throws Error for a weight that is not 4-D or not floating point, that
// holds NaN or Inf, or for groups that do not divide the output channels.
RgbImage render_filter_grid(const Tensor& weight, const FilterGridOptions& options);

}  // namespace graphrun
