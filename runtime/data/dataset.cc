#include "runtime/data/dataset.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>

#include "core/error.h"
#include "core/npz.h"
#include "core/op_registry.h"
#include "core/random.h"
#include "runtime/data/image_folder.h"

namespace graphrun {

DataSplits open_fashion_mnist(const std::string& spec, uint64_t seed, int64_t shift, bool flip);  // fashion_mnist.cc

namespace {

// Deterministic images with a learnable labelling: each class has a random prototype image;
// a sample is its class's prototype plus noise, so a network can learn the labels and the
// loss must fall.
class Synthetic final : public Dataset {
 public:
  Synthetic(int64_t size, int64_t classes, uint64_t seed, std::string split)
      : size_(size), classes_(classes), seed_(seed), split_(std::move(split)) {}
  std::string name() const override { return "synthetic/" + split_; }
  int64_t size() const override { return size_; }
  int64_t num_classes() const override { return classes_; }
  int64_t get(int64_t index, float* out, const Shape& image) const override {
    uint64_t sample_key = hash_combine(seed_, hash_combine(hash_name(split_), index));
    int64_t label = static_cast<int64_t>(uniform01(sample_key, 0) * classes_);
    uint64_t class_key = hash_combine(seed_ ^ 0x5eed, label);
    for (int64_t i = 0, n = image.num_elements(); i < n; ++i)
      out[i] = static_cast<float>(normal01(class_key, i) + 0.5 * normal01(sample_key, i + 1));
    return label;
  }

 private:
  int64_t size_, classes_;
  uint64_t seed_;
  std::string split_;
};

// Arrays from an .npz: "images" [N, C, H, W] float32 already shaped for the graph, "labels"
// [N] integers. Both splits are the same arrays (for tests and small experiments).
class ArrayDataset final : public Dataset {
 public:
  ArrayDataset(const std::string& path, const Shape& image, int64_t classes) : path_(path) {
    auto arrays = read_npz(path);
    if (!arrays.count("images") || !arrays.count("labels")) fail("'{}' needs arrays 'images' and 'labels'", path);
    images_ = arrays["images"];
    Tensor labels = arrays["labels"];
    if (images_.dtype() != DType::kFloat32 || images_.shape().rank() != 4 ||
        images_.shape().product(1, 4) != image.num_elements())
      fail("'{}': images must be float32 [N]+{}, got {} {}", path, image.str(), dtype_name(images_.dtype()),
           images_.shape().str());
    if (labels.shape().rank() != 1 || labels.shape()[0] != images_.shape()[0])
      fail("'{}': labels must be [{}], got {}", path, images_.shape()[0], labels.shape().str());
    for (int64_t i = 0; i < labels.num_elements(); ++i) {
      double v = labels.value_as_double(i);
      if (v < 0 || v >= static_cast<double>(classes) || v != std::floor(v))
        fail("'{}': label {} of sample {} is not a class in [0, {})", path, v, i, classes);
      labels_.push_back(static_cast<int64_t>(v));
    }
    classes_ = classes;
  }
  std::string name() const override { return path_; }
  int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
  int64_t num_classes() const override { return classes_; }
  int64_t get(int64_t index, float* out, const Shape& image) const override {
    int64_t n = image.num_elements();
    std::copy(images_.data<float>() + index * n, images_.data<float>() + (index + 1) * n, out);
    return labels_[index];
  }

 private:
  std::string path_;
  Tensor images_;
  std::vector<int64_t> labels_;
  int64_t classes_ = 0;
};

}  // namespace

DataSplits open_dataset(const std::string& spec, const Shape& image, int64_t classes, uint64_t seed,
                        const DataOptions& options) {
  if (image.rank() != 3) fail("the graph's input must be [batch, C, H, W] for image data, got [batch]+{}", image.str());
  if ((options.scale_min > 0 || options.eval_scale > 0 || options.grid_crops) && !is_prepared_folder(spec) &&
      !is_image_folder(spec))
    fail("{} rescale{} images of an image folder; '{}' is not one",
         options.scale_min > 0 ? "--scale and --scale-jitter" : options.grid_crops ? "--crops" : "test scales",
         options.scale_min > 0 ? "" : "s", spec);
  // A path that is not there is a missing path, whatever the data set names are.
  const std::string path = spec.starts_with("npz:") ? spec.substr(4) : spec;
  std::error_code ec;
  if ((path != spec || path.find('/') != std::string::npos) && !std::filesystem::exists(path, ec))
    fail("data '{}': no such file or folder", path);
  if (spec != "synthetic" && spec != "fashion-mnist" && !std::filesystem::exists(path, ec)) {
    std::string hint = closest_name(spec, {"fashion-mnist", "synthetic"});
    if (!hint.empty()) fail("unknown data '{}' (did you mean {}?)", spec, hint);
  }
  bool fashion_mnist = spec == "fashion-mnist" || std::filesystem::exists(std::filesystem::path(spec) / "train-images-idx3-ubyte.gz");
  if ((options.shift != 0 || options.flip) && !fashion_mnist)
    fail("--shift and --flip augment Fashion-MNIST's 28x28 images; '{}' is not Fashion-MNIST (image folders always crop "
         "and flip)",
         spec);
  if (options.shift < 0 || options.shift > 27) fail("--shift {}: want 0 to 27 pixels", options.shift);
  if (spec == "synthetic") {
    int64_t k = std::min<int64_t>(classes, 10);
    return {std::make_unique<Synthetic>(2048, k, seed, "train"), std::make_unique<Synthetic>(512, k, seed, "val")};
  }
  if (spec.starts_with("npz:")) {
    return {std::make_unique<ArrayDataset>(spec.substr(4), image, classes),
            std::make_unique<ArrayDataset>(spec.substr(4), image, classes)};
  }
  if (fashion_mnist) {
    DataSplits splits = open_fashion_mnist(spec, seed, options.shift, options.flip);
    if (classes < splits.train->num_classes())
      fail("the graph has {} classes, {} has {}", classes, splits.train->name(), splits.train->num_classes());
    return splits;
  }
  if (is_prepared_folder(spec) || is_image_folder(spec))
    return open_image_data(spec, image, classes, seed,
                           {.ten_crop = options.ten_crop,
                            .scale_min = options.scale_min,
                            .scale_max = options.scale_max,
                            .eval_scale = options.eval_scale,
                            .grid_crops = options.grid_crops});
  fail("unknown data '{}': expected fashion-mnist, synthetic, npz:FILE.npz, a folder with Fashion-MNIST's IDX files, "
       "an image folder (one subfolder of JPEG/PNG files per class) or a folder from `graphrun prepare`",
       spec);
}

std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  uint64_t key = hash_combine(seed, 0xe70c0000ULL + static_cast<uint64_t>(epoch));
  for (int64_t i = n - 1; i > 0; --i) {
    auto j = static_cast<int64_t>(uniform01(key, static_cast<uint64_t>(i)) * static_cast<double>(i + 1));
    std::swap(order[i], order[std::min(j, i)]);
  }
  return order;
}

void resize_bilinear(const float* src, int64_t src_h, int64_t src_w, float* dst, int64_t dst_h, int64_t dst_w) {
  double sy = static_cast<double>(src_h) / dst_h, sx = static_cast<double>(src_w) / dst_w;
  for (int64_t y = 0; y < dst_h; ++y) {
    double fy = std::max(0.0, (y + 0.5) * sy - 0.5);
    auto y0 = std::min<int64_t>(static_cast<int64_t>(fy), src_h - 1);
    int64_t y1 = std::min<int64_t>(y0 + 1, src_h - 1);
    double wy = fy - y0;
    for (int64_t x = 0; x < dst_w; ++x) {
      double fx = std::max(0.0, (x + 0.5) * sx - 0.5);
      auto x0 = std::min<int64_t>(static_cast<int64_t>(fx), src_w - 1);
      int64_t x1 = std::min<int64_t>(x0 + 1, src_w - 1);
      double wx = fx - x0;
      double top = src[y0 * src_w + x0] * (1 - wx) + src[y0 * src_w + x1] * wx;
      double bottom = src[y1 * src_w + x0] * (1 - wx) + src[y1 * src_w + x1] * wx;
      dst[y * dst_w + x] = static_cast<float>(top * (1 - wy) + bottom * wy);
    }
  }
}

}  // namespace graphrun
