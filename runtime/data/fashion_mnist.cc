// Fashion-MNIST read straight from the IDX .gz files of Debian's dataset-fashion-mnist package.
// Images are scaled to [0, 1], the training set's mean image is subtracted (the paper's only
// preprocessing), then resized and their grey channel repeated to the graph's input.
#include <zlib.h>

#include <filesystem>

#include "core/error.h"
#include "core/random.h"
#include "runtime/data/dataset.h"

namespace graphrun {

namespace {

constexpr const char* kDefaultDir = "/usr/share/datasets/fashion-mnist";

std::string read_gz(const std::string& path) {
  if (!std::filesystem::exists(path))
    fail("'{}' not found: install Debian's dataset-fashion-mnist package (tools/dev.sh does)", path);
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) fail("cannot open '{}'", path);
  std::string bytes;
  char buffer[1 << 16];
  int n;
  while ((n = gzread(file, buffer, sizeof buffer)) > 0) bytes.append(buffer, n);
  int err = 0;
  const char* message = gzerror(file, &err);
  gzclose(file);
  if (n < 0 || (err != Z_OK && err != Z_STREAM_END)) fail("'{}' is corrupt: {}", path, message);
  return bytes;
}

uint32_t big_endian(const std::string& bytes, size_t at) {
  auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + k])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

struct Idx {
  std::vector<int64_t> dims;
  std::string data;
};

Idx read_idx(const std::string& path, int rank) {
  std::string bytes = read_gz(path);
  if (bytes.size() < 4 + 4 * static_cast<size_t>(rank) || big_endian(bytes, 0) != 0x0800u + rank)
    fail("'{}' is not an IDX file of rank {} unsigned bytes", path, rank);
  Idx idx;
  size_t count = 1;
  for (int d = 0; d < rank; ++d) {
    idx.dims.push_back(big_endian(bytes, 4 + 4 * d));
    count *= idx.dims.back();
  }
  size_t offset = 4 + 4 * rank;
  if (bytes.size() - offset != count) fail("'{}' is truncated: {} bytes of data, expected {}", path, bytes.size() - offset, count);
  idx.data = bytes.substr(offset);
  return idx;
}

class FashionMnist final : public Dataset {
 public:
  struct Augment {
    uint64_t seed = 0;
    int64_t shift = 0;
    bool flip = false;
  };

  FashionMnist(const std::string& dir, const std::string& split, std::shared_ptr<const std::vector<float>> mean,
               Augment augment)
      : split_(split), mean_(std::move(mean)), augment_(augment) {
    images_ = read_idx(dir + "/" + split + "-images-idx3-ubyte.gz", 3);
    labels_ = read_idx(dir + "/" + split + "-labels-idx1-ubyte.gz", 1);
    if (images_.dims[0] != labels_.dims[0] || images_.dims[1] != 28 || images_.dims[2] != 28)
      fail("'{}': {} images of {}x{} but {} labels", dir, images_.dims[0], images_.dims[1], images_.dims[2],
           labels_.dims[0]);
  }

  std::string name() const override { return "fashion-mnist/" + split_; }
  int64_t size() const override { return images_.dims[0]; }
  int64_t num_classes() const override { return 10; }

  int64_t get(int64_t index, float* out, const Shape& image) const override {
    write_sample(raw(index), out, image);
    return label(index);
  }

  // The sample moved by (dy, dx) in [-shift, shift] (black filling in) and mirrored with p = 1/2.
  // The mean is subtracted after the move: a moved garment is compared with the same mean image
  // as an unmoved one.
  int64_t get_train(int64_t index, int64_t epoch, float* out, const Shape& image) const override {
    if (augment_.shift == 0 && !augment_.flip) return get(index, out, image);
    uint64_t key = hash_combine(hash_combine(augment_.seed ^ 0xf1a5f1a5ULL, static_cast<uint64_t>(epoch)),
                                static_cast<uint64_t>(index));
    auto offset = [&](uint64_t counter) {
      auto span = static_cast<double>(2 * augment_.shift + 1);
      return std::min<int64_t>(static_cast<int64_t>(uniform01(key, counter) * span), 2 * augment_.shift) - augment_.shift;
    };
    int64_t dy = offset(0), dx = offset(1);
    bool flip = augment_.flip && uniform01(key, 2) < 0.5;
    const uint8_t* src = raw(index);
    uint8_t moved[28 * 28];
    for (int64_t y = 0; y < 28; ++y)
      for (int64_t x = 0; x < 28; ++x) {
        int64_t sy = y + dy, sx = (flip ? 27 - x : x) + dx;
        moved[y * 28 + x] = sy >= 0 && sy < 28 && sx >= 0 && sx < 28 ? src[sy * 28 + sx] : 0;
      }
    write_sample(moved, out, image);
    return label(index);
  }

  std::vector<std::string> class_names() const override {
    // The data set's documented label order.
    return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
  }
  Tensor mean_image() const override {
    Tensor mean(DType::kFloat32, Shape{1, 28, 28});
    std::copy(mean_->begin(), mean_->end(), mean.data<float>());
    return mean;
  }

  // The mean training image, in [0, 1] units.
  std::vector<float> compute_mean() const {
    std::vector<double> sum(28 * 28, 0.0);
    const auto* src = reinterpret_cast<const uint8_t*>(images_.data.data());
    for (int64_t n = 0; n < size(); ++n)
      for (int i = 0; i < 28 * 28; ++i) sum[i] += src[n * 28 * 28 + i];
    std::vector<float> mean(28 * 28);
    for (int i = 0; i < 28 * 28; ++i) mean[i] = static_cast<float>(sum[i] / size() / 255.0);
    return mean;
  }

 private:
  const uint8_t* raw(int64_t index) const {
    return reinterpret_cast<const uint8_t*>(images_.data.data()) + index * 28 * 28;
  }
  int64_t label(int64_t index) const { return static_cast<uint8_t>(labels_.data[index]); }

  // 28x28 8-bit pixels to the graph's input: [0, 1], minus the mean, resized, grey repeated.
  void write_sample(const uint8_t* src, float* out, const Shape& image) const {
    float pixels[28 * 28];
    for (int i = 0; i < 28 * 28; ++i) pixels[i] = static_cast<float>(src[i]) / 255.0f - (*mean_)[i];
    int64_t channels = image[0], h = image[1], w = image[2];
    if (h == 28 && w == 28) std::copy(pixels, pixels + 28 * 28, out);
    else resize_bilinear(pixels, 28, 28, out, h, w);
    for (int64_t c = 1; c < channels; ++c) std::copy(out, out + h * w, out + c * h * w);
  }

  std::string split_;
  std::shared_ptr<const std::vector<float>> mean_;
  Augment augment_;
  Idx images_, labels_;
};

}  // namespace

DataSplits open_fashion_mnist(const std::string& spec, uint64_t seed, int64_t shift, bool flip) {
  std::string dir = spec == "fashion-mnist" ? kDefaultDir : spec;
  auto mean = std::make_shared<std::vector<float>>(28 * 28, 0.0f);
  auto train = std::make_unique<FashionMnist>(dir, "train", mean, FashionMnist::Augment{seed, shift, flip});
  *mean = train->compute_mean();  // both splits subtract the training set's mean
  DataSplits splits;
  splits.train = std::move(train);
  splits.validation = std::make_unique<FashionMnist>(dir, "t10k", mean, FashionMnist::Augment{});
  return splits;
}

}  // namespace graphrun
