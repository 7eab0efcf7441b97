#include "runtime/data/image_transform.h"

#include <algorithm>
#include <cmath>

#include "core/random.h"

namespace graphrun {

namespace {

// Filter taps of a 1-D resize for output positions [first, first + count) of `out_full`.
struct Taps {
  std::vector<int64_t> start;  // first input index per output
  std::vector<int64_t> size;   // taps per output
  std::vector<float> weights;  // max_size per output
  int64_t max_size = 0;
};

Taps make_taps(int64_t in, int64_t out_full, int64_t first, int64_t count) {
  double scale = static_cast<double>(in) / static_cast<double>(out_full);
  double filter_scale = std::max(scale, 1.0);
  double support = filter_scale;  // the triangle's radius is 1 input pixel, widened when shrinking
  Taps t;
  t.max_size = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
  t.weights.assign(count * t.max_size, 0.0f);
  for (int64_t o = 0; o < count; ++o) {
    double center = (static_cast<double>(first + o) + 0.5) * scale;
    int64_t lo = std::max<int64_t>(static_cast<int64_t>(center - support + 0.5), 0);
    int64_t hi = std::min<int64_t>(static_cast<int64_t>(center + support + 0.5), in);
    hi = std::max(hi, lo + 1);
    hi = std::min(hi, lo + t.max_size);
    double total = 0;
    std::vector<double> w(hi - lo);
    for (int64_t x = lo; x < hi; ++x) {
      w[x - lo] = std::max(0.0, 1.0 - std::abs((static_cast<double>(x) - center + 0.5) / filter_scale));
      total += w[x - lo];
    }
    if (total <= 0) w.assign(hi - lo, 1.0), total = static_cast<double>(hi - lo);
    for (int64_t k = 0; k < hi - lo; ++k) t.weights[o * t.max_size + k] = static_cast<float>(w[k] / total);
    t.start.push_back(lo);
    t.size.push_back(hi - lo);
  }
  return t;
}

}  // namespace

void resize_center_crop(const RgbImage& image, int64_t side, uint8_t* out) {
  int64_t h = image.height, w = image.width;
  // torchvision's Resize(int): the shorter side becomes `side`, the other is truncated.
  int64_t out_h = h <= w ? side : side * h / w;
  int64_t out_w = h <= w ? side * w / h : side;
  out_h = std::max(out_h, side), out_w = std::max(out_w, side);
  int64_t top = (out_h - side) / 2, left = (out_w - side) / 2;
  Taps ty = make_taps(h, out_h, top, side), tx = make_taps(w, out_w, left, side);
  int64_t row0 = ty.start.front(), row1 = ty.start.back() + ty.size.back();
  // Horizontal pass over the rows the vertical taps read, then the vertical pass.
  std::vector<float> rows(static_cast<size_t>(row1 - row0) * side * 3);
  const uint8_t* src = image.pixels.data();
  for (int64_t y = row0; y < row1; ++y) {
    const uint8_t* line = src + y * w * 3;
    float* dst = rows.data() + (y - row0) * side * 3;
    for (int64_t x = 0; x < side; ++x) {
      const float* wt = tx.weights.data() + x * tx.max_size;
      const uint8_t* p = line + tx.start[x] * 3;
      float r = 0, g = 0, b = 0;
      for (int64_t k = 0; k < tx.size[x]; ++k) r += wt[k] * p[3 * k], g += wt[k] * p[3 * k + 1], b += wt[k] * p[3 * k + 2];
      dst[3 * x] = r, dst[3 * x + 1] = g, dst[3 * x + 2] = b;
    }
  }
  std::vector<float> acc(side * 3);
  for (int64_t y = 0; y < side; ++y) {
    std::fill(acc.begin(), acc.end(), 0.0f);
    const float* wt = ty.weights.data() + y * ty.max_size;
    for (int64_t k = 0; k < ty.size[y]; ++k) {
      const float* r = rows.data() + (ty.start[y] + k - row0) * side * 3;
      float wk = wt[k];
      for (int64_t i = 0; i < side * 3; ++i) acc[i] += wk * r[i];
    }
    uint8_t* dst = out + y * side * 3;
    for (int64_t i = 0; i < side * 3; ++i) dst[i] = static_cast<uint8_t>(std::clamp(acc[i] + 0.5f, 0.0f, 255.0f));
  }
}

StatsAccumulator::StatsAccumulator(int64_t side) : side(side), pixel_sums(side * side * 3, 0) {}

void StatsAccumulator::add(const uint8_t* hwc) {
  int64_t n = side * side;
  std::array<uint64_t, 3> sums{};
  std::array<std::array<uint64_t, 3>, 3> products{};
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* p = hwc + 3 * i;
    for (int a = 0; a < 3; ++a) {
      pixel_sums[3 * i + a] += p[a];
      sums[a] += p[a];
      for (int b = a; b < 3; ++b) products[a][b] += static_cast<uint64_t>(p[a]) * p[b];
    }
  }
  for (int a = 0; a < 3; ++a) {
    rgb_sums[a] += static_cast<double>(sums[a]);
    for (int b = a; b < 3; ++b) rgb_products[a][b] += static_cast<double>(products[a][b]);
  }
  ++images;
}

void StatsAccumulator::merge(const StatsAccumulator& other) {
  GR_CHECK(other.side == side, "side {} vs {}", other.side, side);
  for (size_t i = 0; i < pixel_sums.size(); ++i) pixel_sums[i] += other.pixel_sums[i];
  for (int a = 0; a < 3; ++a) {
    rgb_sums[a] += other.rgb_sums[a];
    for (int b = 0; b < 3; ++b) rgb_products[a][b] += other.rgb_products[a][b];
  }
  images += other.images;
}

ImageStats StatsAccumulator::finish() const {
  ImageStats s;
  s.side = side;
  s.images = images;
  s.mean.assign(3 * side * side, 0.0f);
  if (images == 0) return s;
  double scale = 1.0 / (255.0 * static_cast<double>(images));
  for (int64_t i = 0; i < side * side; ++i)
    for (int c = 0; c < 3; ++c) s.mean[c * side * side + i] = static_cast<float>(pixel_sums[3 * i + c] * scale);
  double pixels = static_cast<double>(images) * static_cast<double>(side * side);
  std::array<std::array<double, 3>, 3> cov{};
  for (int a = 0; a < 3; ++a)
    for (int b = a; b < 3; ++b) {
      double c = rgb_products[a][b] / pixels - (rgb_sums[a] / pixels) * (rgb_sums[b] / pixels);
      cov[a][b] = cov[b][a] = c / (255.0 * 255.0);
    }
  symmetric_eigen3(cov, s.eigval, s.eigvec);
  return s;
}

void symmetric_eigen3(const std::array<std::array<double, 3>, 3>& m, std::array<double, 3>& values,
                      std::array<std::array<double, 3>, 3>& vectors) {
  double a[3][3], v[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) a[i][j] = m[i][j];
  for (int sweep = 0; sweep < 50; ++sweep) {
    double off = std::abs(a[0][1]) + std::abs(a[0][2]) + std::abs(a[1][2]);
    if (off < 1e-300) break;
    for (int p = 0; p < 2; ++p)
      for (int q = p + 1; q < 3; ++q) {
        if (std::abs(a[p][q]) < 1e-300) continue;
        double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < 3; ++k) {  // A <- A J (columns p, q)
          double akp = a[k][p], akq = a[k][q];
          a[k][p] = c * akp - s * akq, a[k][q] = s * akp + c * akq;
        }
        for (int k = 0; k < 3; ++k) {  // A <- J^T A (rows p, q)
          double apk = a[p][k], aqk = a[q][k];
          a[p][k] = c * apk - s * aqk, a[q][k] = s * apk + c * aqk;
        }
        for (int k = 0; k < 3; ++k) {
          double vkp = v[k][p], vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq, v[k][q] = s * vkp + c * vkq;
        }
      }
  }
  std::array<int, 3> order{0, 1, 2};
  std::sort(order.begin(), order.end(), [&](int x, int y) { return a[x][x] > a[y][y]; });
  for (int i = 0; i < 3; ++i) {
    values[i] = a[order[i]][order[i]];
    for (int k = 0; k < 3; ++k) vectors[i][k] = v[k][order[i]];
  }
}

CropParams train_crop(uint64_t seed, int64_t epoch, int64_t index, int64_t side, int64_t crop_h, int64_t crop_w,
                      const ImageStats& stats, double lighting_sigma) {
  uint64_t key = hash_combine(hash_combine(seed ^ 0xa06e7a7eULL, static_cast<uint64_t>(epoch)), static_cast<uint64_t>(index));
  CropParams p;
  p.top = std::min<int64_t>(static_cast<int64_t>(uniform01(key, 0) * static_cast<double>(side - crop_h + 1)), side - crop_h);
  p.left = std::min<int64_t>(static_cast<int64_t>(uniform01(key, 1) * static_cast<double>(side - crop_w + 1)), side - crop_w);
  p.flip = uniform01(key, 2) < 0.5;
  for (int i = 0; i < 3; ++i) {
    double alpha = lighting_sigma * normal01(key, 8 + i);
    for (int c = 0; c < 3; ++c) p.lighting[c] += static_cast<float>(stats.eigvec[i][c] * alpha * stats.eigval[i]);
  }
  return p;
}

int64_t training_scale(uint64_t seed, int64_t epoch, int64_t index, int64_t scale_min, int64_t scale_max) {
  if (scale_max <= scale_min) return scale_min;
  uint64_t key = hash_combine(hash_combine(seed ^ 0x5ca1e5ca1eULL, static_cast<uint64_t>(epoch)), static_cast<uint64_t>(index));
  const int64_t span = scale_max - scale_min + 1;
  return scale_min + std::min<int64_t>(static_cast<int64_t>(uniform01(key, 0) * static_cast<double>(span)), span - 1);
}

CropParams eval_crop(int view, int64_t side, int64_t crop_h, int64_t crop_w) {
  CropParams p;
  int corner = view % 5;
  p.flip = view >= 5;
  p.top = corner == 0 ? (side - crop_h) / 2 : corner <= 2 ? 0 : side - crop_h;
  p.left = corner == 0 ? (side - crop_w) / 2 : corner % 2 == 1 ? 0 : side - crop_w;
  return p;
}

CropParams grid_crop(int view, int64_t side, int64_t crop_h, int64_t crop_w) {
  CropParams p;
  const int cell = view % 25;
  p.flip = view >= 25;
  p.top = (side - crop_h) * (cell / 5) / 4;
  p.left = (side - crop_w) * (cell % 5) / 4;
  return p;
}

void apply_crop(const uint8_t* hwc, const ImageStats& stats, const CropParams& crop, int64_t crop_h, int64_t crop_w,
                float* out) {
  int64_t side = stats.side, plane = side * side;
  constexpr float kScale = 1.0f / 255.0f;
  for (int c = 0; c < 3; ++c) {
    const float* mean = stats.mean.data() + c * plane;
    float light = crop.lighting[c];
    for (int64_t y = 0; y < crop_h; ++y) {
      int64_t sy = crop.top + y;
      const uint8_t* row = hwc + sy * side * 3 + c;
      const float* mrow = mean + sy * side;
      float* dst = out + (c * crop_h + y) * crop_w;
      for (int64_t x = 0; x < crop_w; ++x) {
        int64_t sx = crop.left + (crop.flip ? crop_w - 1 - x : x);
        dst[x] = static_cast<float>(row[sx * 3]) * kScale - mrow[sx] + light;
      }
    }
  }
}

}  // namespace graphrun
