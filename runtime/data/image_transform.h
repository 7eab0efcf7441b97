// The paper's image preprocessing and augmentation (../shared/reference/ALEXNET.md):
//   prepare: shorter side to 256, the central 256x256 crop (8-bit RGB, HWC);
//   train:   a random crop of the graph's size (227x227), a horizontal flip with p = 1/2,
//            PCA lighting (alpha ~ N(0, 0.1) per eigenvector, once per image per use), and
//            subtraction of the training set's mean image; values in [0, 1] units, CHW floats;
//   eval:    the centre crop, or one of the ten crops (centre and four corners, each flipped).
// Randomness is a function of (seed, epoch, sample index) only, never of thread timing.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "runtime/data/image_codec.h"

namespace graphrun {

constexpr int64_t kPreparedSide = 256;     // prepare's default (--size)
constexpr int64_t kMaxPreparedSide = 4096;

// Scales `image` so its shorter side is `side` (a triangle filter widened when shrinking, as
// PIL's antialiased bilinear that torchvision's Resize uses) and writes the central side x side
// square to `out` (side * side * 3 bytes). Only the pixels of the square are computed.
void resize_center_crop(const RgbImage& image, int64_t side, uint8_t* out);

// The training set's statistics over prepared side x side images, in [0, 1] units.
struct ImageStats {
  int64_t side = kPreparedSide;
  int64_t images = 0;
  std::vector<float> mean;                       // [3, side, side]
  std::array<std::array<double, 3>, 3> eigvec{};  // eigvec[i] = the i-th unit eigenvector (r, g, b)
  std::array<double, 3> eigval{};                 // of the RGB covariance, largest first
};

// Exact sums over 8-bit images; partial accumulators (one per shard or thread) merge.
struct StatsAccumulator {
  explicit StatsAccumulator(int64_t side = kPreparedSide);
  void add(const uint8_t* hwc);
  void merge(const StatsAccumulator& other);
  ImageStats finish() const;

  int64_t side;
  int64_t images = 0;
  std::vector<uint64_t> pixel_sums;                 // HWC
  std::array<double, 3> rgb_sums{};                 // sum of r, g, b over all pixels (0..255)
  std::array<std::array<double, 3>, 3> rgb_products{};  // sum of r*g etc.
};

// Eigen-decomposition of a symmetric 3x3 matrix (cyclic Jacobi); eigenvalues largest first.
void symmetric_eigen3(const std::array<std::array<double, 3>, 3>& m, std::array<double, 3>& values,
                      std::array<std::array<double, 3>, 3>& vectors);

struct CropParams {
  int64_t top = 0, left = 0;
  bool flip = false;
  std::array<float, 3> lighting{};  // added to every pixel's r, g, b
};

// The paper's training augmentation for sample `index` in `epoch`.
CropParams train_crop(uint64_t seed, int64_t epoch, int64_t index, int64_t side, int64_t crop_h, int64_t crop_w,
                      const ImageStats& stats, double lighting_sigma = 0.1);
// The training scale S of sample `index` in `epoch`, uniform over [scale_min, scale_max] (the VGG
// paper's scale jittering), keyed by (seed, epoch, index) apart from the crop's randomness.
int64_t training_scale(uint64_t seed, int64_t epoch, int64_t index, int64_t scale_min, int64_t scale_max);
// Evaluation view: 0 = centre, 1..4 = top-left, top-right, bottom-left, bottom-right; 5..9 the
// same five flipped.
CropParams eval_crop(int view, int64_t side, int64_t crop_h, int64_t crop_w);

// Multi-crop evaluation view (the VGG paper's 50 crops per scale): 0..24 a 5x5 grid of
// positions spread evenly from the top-left to the bottom-right corner (row-major), 25..49 the
// same flipped.
CropParams grid_crop(int view, int64_t side, int64_t crop_h, int64_t crop_w);

// Cuts the crop out of a side x side HWC image, flips it, scales to [0, 1], subtracts the mean
// image (at the pixels the crop came from) and adds the lighting: CHW floats.
void apply_crop(const uint8_t* hwc, const ImageStats& stats, const CropParams& crop, int64_t crop_h, int64_t crop_w,
                float* out);

}  // namespace graphrun
