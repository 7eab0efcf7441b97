#include "runtime/viz/filter_grid.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace graphrun {

namespace {

constexpr uint8_t kBackground = 255;
constexpr int64_t kTileGap = 2;  // white pixels between tiles
// PNG viewers and libpng's 32-bit sizes: 32767 pixels a side, 200 M pixels (600 MB) in all.
constexpr int64_t kMaxSide = 32767, kMaxPixels = 200'000'000;

// Maps a kernel's values to 0..255 over [lo, hi]; a flat range is mid-grey.
uint8_t to_byte(double v, double lo, double hi) {
  if (!(hi > lo)) return 128;
  return static_cast<uint8_t>(std::lround(255.0 * std::clamp((v - lo) / (hi - lo), 0.0, 1.0)));
}

}  // namespace

RgbImage render_filter_grid(const Tensor& weight, const FilterGridOptions& options) {
  const Shape& s = weight.shape();
  if (s.rank() != 4) fail("a convolution kernel is 4-D [out, in, height, width]; this one is {}", s.str());
  if (weight.dtype() != DType::kFloat32 && weight.dtype() != DType::kFloat64)
    fail("a convolution kernel is float32 or float64; this one is {}", dtype_name(weight.dtype()));
  if (!weight.on_host()) fail("render_filter_grid: the kernel is in {} memory; copy it to the host first", weight.location());
  const int64_t out = s[0], in = s[1], kh = s[2], kw = s[3];
  if (out < 1 || in < 1 || kh < 1 || kw < 1) fail("the kernel {} is empty", s.str());
  if (options.groups < 1 || out % options.groups != 0)
    fail("{} groups do not divide the kernel's {} output channels", options.groups, out);
  const bool colour = in == 3;
  // Colour and grey kernels are one tile each; other kernels one grey tile per input channel.
  const int64_t tiles_per_filter = (colour || in == 1) ? 1 : in;
  const int64_t per_group = out / options.groups;
  const int64_t scale = options.scale > 0 ? options.scale : std::max<int64_t>(1, 40 / std::max(kh, kw));
  int64_t columns = options.columns > 0 ? options.columns : 16;
  // A filter's tiles stay on one row.
  columns = tiles_per_filter > 1 ? tiles_per_filter : std::min(columns, per_group);
  const int64_t filters_per_row = std::max<int64_t>(1, columns / tiles_per_filter);
  const int64_t rows_per_group = (per_group + filters_per_row - 1) / filters_per_row;
  if (scale > kMaxSide) fail("--scale {} draws one weight larger than a picture may be ({} pixels)", scale, kMaxSide);
  const int64_t tile_w = kw * scale + kTileGap, tile_h = kh * scale + kTileGap;
  const int64_t group_gap = std::max<int64_t>(4, scale) * kTileGap;  // blocks stand apart

  // Sizes in double first: a huge --scale must be an error, not an overflowing product.
  const double width = static_cast<double>(kTileGap) + static_cast<double>(columns) * static_cast<double>(tile_w);
  const double height = static_cast<double>(kTileGap) +
                        static_cast<double>(options.groups * rows_per_group) * static_cast<double>(tile_h) +
                        static_cast<double>(options.groups - 1) * static_cast<double>(group_gap);
  if (width > kMaxSide || height > kMaxSide || width * height > kMaxPixels)
    fail("the picture would be {:.0f}x{:.0f} pixels (at most {}x{} and {} M pixels): use a smaller --scale or fewer "
         "--columns",
         width, height, kMaxSide, kMaxSide, kMaxPixels / 1'000'000);
  RgbImage image;
  image.width = static_cast<int64_t>(width);
  image.height = static_cast<int64_t>(height);
  image.pixels.assign(static_cast<size_t>(image.width * image.height * 3), kBackground);

  const int64_t filter_size = in * kh * kw;
  auto value = [&](int64_t i) { return weight.value_as_double(i); };
  double global_lo = INFINITY, global_hi = -INFINITY;
  for (int64_t i = 0; i < weight.num_elements(); ++i) {
    // A diverged run's weights: there is no grey scale for them.
    if (!std::isfinite(value(i)))
      fail("the kernel holds {} at element {} (kernel {}): the training diverged", value(i), i, i / (in * kh * kw));
    global_lo = std::min(global_lo, value(i)), global_hi = std::max(global_hi, value(i));
  }

  for (int64_t o = 0; o < out; ++o) {
    const int64_t base = o * filter_size;
    double lo = global_lo, hi = global_hi;
    if (options.per_filter) {
      lo = INFINITY, hi = -INFINITY;
      for (int64_t i = 0; i < filter_size; ++i) lo = std::min(lo, value(base + i)), hi = std::max(hi, value(base + i));
    }
    const int64_t group = o / per_group, index = o % per_group;
    const int64_t top = kTileGap + group * (rows_per_group * tile_h + group_gap) + index / filters_per_row * tile_h;
    const int64_t row_left = kTileGap + index % filters_per_row * tiles_per_filter * tile_w;
    for (int64_t t = 0; t < tiles_per_filter; ++t) {
      const int64_t left = row_left + t * tile_w;
      for (int64_t y = 0; y < kh * scale; ++y)
        for (int64_t x = 0; x < kw * scale; ++x) {
          const int64_t at = (y / scale) * kw + x / scale;
          uint8_t* pixel = &image.pixels[static_cast<size_t>(((top + y) * image.width + left + x) * 3)];
          for (int64_t c = 0; c < 3; ++c) {
            // Colour: channel c of the kernel; grey: the tile's one input channel in R, G and B.
            const int64_t channel = colour ? c : t;
            pixel[c] = to_byte(value(base + channel * kh * kw + at), lo, hi);
          }
        }
    }
  }
  return image;
}

}  // namespace graphrun
