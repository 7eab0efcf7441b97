#include "runtime/data/image_folder.h"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <filesystem>
#include <mutex>

#include "runtime/data/shards.h"

namespace graphrun {

namespace fs = std::filesystem;

namespace {

bool is_image_name(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}

std::vector<fs::path> sorted_dirs(const fs::path& root) {
  std::vector<fs::path> dirs;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root, ec))
    if (e.is_directory()) dirs.push_back(e.path());
  if (ec) fail("cannot list '{}': {}", root.string(), ec.message());
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

bool has_class_dirs(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory()) return true;
  return false;
}

class FolderRecords final : public ImageRecords {
 public:
  FolderRecords(ImageFolder folder, int64_t side) : folder_(std::move(folder)), side_(side) { classes_ = folder_.classes; }
  int64_t size() const override { return static_cast<int64_t>(folder_.files.size()); }
  int64_t label(int64_t i) const override { return folder_.labels[i]; }
  std::string name(int64_t i) const override { return folder_.files[i]; }
  void load(int64_t i, uint8_t* hwc) const override {
    std::vector<uint8_t> bytes = read_image_file(folder_.files[i]);
    RgbImage image = decode_image(bytes.data(), bytes.size(), folder_.files[i], side_);
    resize_center_crop(image, side_, hwc);
  }
  std::string description() const override { return folder_.root; }
  int64_t side() const override { return side_; }

 private:
  ImageFolder folder_;
  int64_t side_;
};

class ImageDataset final : public Dataset {
 public:
  ImageDataset(std::shared_ptr<const ImageRecords> records, std::shared_ptr<const ImageStats> stats, const Shape& image,
               uint64_t seed, const ImageDataOptions& options, std::string split)
      : records_(std::move(records)), stats_(std::move(stats)), seed_(seed), options_(options), split_(std::move(split)) {
    if (image.rank() != 3 || image[0] != 3 || image[1] > stats_->side || image[2] > stats_->side || image[1] < 1 ||
        image[2] < 1)
      fail("image data needs a graph input of [batch, 3, H, W] with H and W at most {}, the graph's is [batch]+{}",
           stats_->side, image.str());
    if (options_.eval_scale > 0) {
      if (options_.eval_scale < std::max(image[1], image[2]))
        fail("test scale {} is smaller than the graph's {}x{} input: the crop must fit in the rescaled image",
             options_.eval_scale, image[1], image[2]);
      if (options_.eval_scale > stats_->side)
        fail("'{}' holds {}x{} images, too small for test scale {}: prepare the images again with --size {} "
             "(or larger)", records_->description(), stats_->side, stats_->side, options_.eval_scale,
             options_.eval_scale);
    }
    if (scaled() || options_.eval_scale > 0) {
      const int64_t plane = stats_->side * stats_->side;
      for (int c = 0; c < 3; ++c) {
        double sum = 0;
        for (int64_t i = 0; i < plane; ++i) sum += stats_->mean[c * plane + i];
        mean_rgb_[c] = static_cast<float>(sum / static_cast<double>(plane));
      }
    }
    if (scaled()) {
      const int64_t crop = std::max(image[1], image[2]);
      if (options_.scale_min < crop)
        fail("training scale {} is smaller than the graph's {}x{} input: the crop must fit in the rescaled image",
             options_.scale_min, image[1], image[2]);
      if (options_.scale_max > stats_->side)
        fail("'{}' holds {}x{} images, too small for training scale {}: prepare the images again with --size {} "
             "(or larger)", records_->description(), stats_->side, stats_->side, options_.scale_max, options_.scale_max);
    }
  }
  std::string name() const override { return fmt::format("{} ({})", records_->description(), split_); }
  int64_t size() const override { return records_->size(); }
  int64_t num_classes() const override { return static_cast<int64_t>(records_->classes().size()); }
  bool expensive() const override { return true; }
  int views() const override { return options_.grid_crops ? 50 : options_.ten_crop ? 10 : 1; }
  std::vector<std::string> class_names() const override { return records_->classes(); }
  Tensor mean_image() const override {
    Tensor mean(DType::kFloat32, Shape{3, stats_->side, stats_->side});
    std::copy(stats_->mean.begin(), stats_->mean.end(), mean.data<float>());
    return mean;
  }

  int64_t get(int64_t index, float* out, const Shape& image) const override { return get_view(index, 0, out, image); }
  int64_t get_view(int64_t index, int view, float* out, const Shape& image) const override {
    const int64_t q = options_.eval_scale > 0 ? options_.eval_scale
                      : scaled()               ? (options_.scale_min + options_.scale_max) / 2
                                               : 0;
    const int64_t side = q > 0 ? q : stats_->side;
    CropParams crop = options_.grid_crops ? grid_crop(view, side, image[1], image[2]) : eval_crop(view, side, image[1], image[2]);
    return q > 0 ? produce_scaled(index, q, crop, out, image) : produce(index, crop, out, image);
  }
  int64_t get_train(int64_t index, int64_t epoch, float* out, const Shape& image) const override {
    if (scaled()) {
      const int64_t s = training_scale(seed_, epoch, index, options_.scale_min, options_.scale_max);
      return produce_scaled(index, s,
                            train_crop(seed_, epoch, index, s, image[1], image[2], *stats_, options_.lighting_sigma),
                            out, image);
    }
    return produce(index,
                   train_crop(seed_, epoch, index, stats_->side, image[1], image[2], *stats_, options_.lighting_sigma),
                   out, image);
  }

 private:
  bool scaled() const { return options_.scale_min > 0; }

  // The record rescaled to s x s, cropped, with the mean RGB value (not the mean image, whose
  // pixels belong to one scale) subtracted, as the VGG paper preprocesses.
  int64_t produce_scaled(int64_t index, int64_t s, const CropParams& crop, float* out, const Shape& image) const {
    thread_local std::vector<uint8_t> pixels;
    thread_local RgbImage record;
    thread_local ImageStats at_scale;
    record.height = record.width = stats_->side;
    record.pixels.resize(stats_->side * stats_->side * 3);
    records_->load(index, record.pixels.data());
    pixels.resize(s * s * 3);
    resize_center_crop(record, s, pixels.data());
    if (at_scale.side != s || at_scale.mean.size() != static_cast<size_t>(3 * s * s) || at_scale.mean[0] != mean_rgb_[0] ||
        at_scale.mean[s * s] != mean_rgb_[1] || at_scale.mean[2 * s * s] != mean_rgb_[2]) {
      at_scale.side = s;
      at_scale.mean.resize(3 * s * s);
      for (int c = 0; c < 3; ++c) std::fill_n(at_scale.mean.begin() + c * s * s, s * s, mean_rgb_[c]);
    }
    apply_crop(pixels.data(), at_scale, crop, image[1], image[2], out);
    return records_->label(index);
  }

  int64_t produce(int64_t index, const CropParams& crop, float* out, const Shape& image) const {
    thread_local std::vector<uint8_t> pixels;
    pixels.resize(stats_->side * stats_->side * 3);
    records_->load(index, pixels.data());
    apply_crop(pixels.data(), *stats_, crop, image[1], image[2], out);
    return records_->label(index);
  }

  std::shared_ptr<const ImageRecords> records_;
  std::shared_ptr<const ImageStats> stats_;
  uint64_t seed_;
  ImageDataOptions options_;
  std::string split_;
  std::array<float, 3> mean_rgb_{};
};

}  // namespace

ImageFolder scan_image_folder(const std::string& root) {
  if (!fs::is_directory(root)) fail("image folder '{}' does not exist or is not a folder", root);
  ImageFolder folder;
  folder.root = root;
  for (const fs::path& dir : sorted_dirs(root)) {
    int64_t label = static_cast<int64_t>(folder.classes.size());
    folder.classes.push_back(dir.filename().string());
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (!e.is_directory() && is_image_name(e.path())) files.push_back(e.path().string());
    if (ec) fail("cannot list class folder '{}': {}", dir.string(), ec.message());
    std::sort(files.begin(), files.end());
    if (files.empty()) folder.empty_classes.push_back(folder.classes.back());
    for (auto& f : files) folder.files.push_back(std::move(f)), folder.labels.push_back(label);
  }
  if (folder.classes.empty())
    fail("image folder '{}' has no class subfolders (expected one folder of JPEG/PNG files per class)", root);
  if (folder.files.empty())
    fail("image folder '{}' has {} class folders but no .jpg, .jpeg or .png file in any of them", root,
         folder.classes.size());
  return folder;
}

bool is_image_folder(const std::string& dir) { return has_class_dirs(dir); }

bool is_prepared_folder(const std::string& dir) { return fs::exists(fs::path(dir) / "prepared.json"); }

std::unique_ptr<ImageRecords> folder_records(ImageFolder folder, int64_t side) {
  return std::make_unique<FolderRecords>(std::move(folder), side);
}

ImageStats estimate_stats(const ImageRecords& records, int64_t max_images) {
  int64_t n = std::min(records.size(), max_images);
  std::mutex mutex;
  StatsAccumulator total(records.side());
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, n), [&](const tbb::blocked_range<int64_t>& r) {
    StatsAccumulator part(records.side());
    std::vector<uint8_t> pixels(records.side() * records.side() * 3);
    for (int64_t k = r.begin(); k < r.end(); ++k) {
      try {
        records.load(k * records.size() / n, pixels.data());
        part.add(pixels.data());
      } catch (const BadImage&) {
        // counted when the pipeline meets the file
      }
    }
    std::lock_guard lock(mutex);
    total.merge(part);
  });
  if (total.images == 0) fail("'{}': none of {} sampled images could be decoded", records.description(), n);
  return total.finish();
}

std::unique_ptr<Dataset> image_dataset(std::shared_ptr<const ImageRecords> records, std::shared_ptr<const ImageStats> stats,
                                       const Shape& image, uint64_t seed, const ImageDataOptions& options,
                                       std::string split) {
  return std::make_unique<ImageDataset>(std::move(records), std::move(stats), image, seed, options, std::move(split));
}

DataSplits open_image_data(const std::string& dir, const Shape& image, int64_t classes, uint64_t seed,
                           const ImageDataOptions& options) {
  std::shared_ptr<const ImageRecords> train, val;
  std::shared_ptr<const ImageStats> stats;
  std::vector<std::string> notes;
  if (is_prepared_folder(dir)) {
    train = shard_records(dir, "train");
    val = shard_records(dir, "val");
    if (!train) fail("prepared folder '{}' has no training records", dir);
    stats = std::make_shared<ImageStats>(read_prepared_stats(dir));
  } else {
    bool splits = has_class_dirs(fs::path(dir) / "train");
    // Decoded at the largest training scale, so no image is upsampled.
    const int64_t side = std::max({kPreparedSide, options.scale_max, options.eval_scale});
    ImageFolder train_folder = scan_image_folder(splits ? (fs::path(dir) / "train").string() : dir);
    for (const auto& c : train_folder.empty_classes)
      fmt::print(stderr, "warning: class folder '{}' of '{}' has no images\n", c, train_folder.root);
    if (splits && has_class_dirs(fs::path(dir) / "val")) {
      ImageFolder val_folder = scan_image_folder((fs::path(dir) / "val").string());
      if (val_folder.classes != train_folder.classes)
        fail("'{}': the val split's class folders differ from the train split's", dir);
      val = folder_records(std::move(val_folder), side);
    }
    train = folder_records(std::move(train_folder), side);
    stats = std::make_shared<ImageStats>(estimate_stats(*train));
    notes.push_back(fmt::format("note: '{}' is a raw image folder: the mean image and PCA come from {} of its images "
                                "(`graphrun prepare` computes them over all and decodes once)\n", dir, stats->images));
  }
  if (static_cast<int64_t>(train->classes().size()) > classes)
    fail("the graph has {} classes, '{}' has {}", classes, dir, train->classes().size());
  if (!val) {
    notes.push_back(fmt::format("note: '{}' has no val split: validating on the training images (centre crop)\n", dir));
    val = train;
  }
  // Notes after the data sets are made, so that a bad option is the only line printed.
  DataSplits splits{image_dataset(train, stats, image, seed, options, "train"),
                    image_dataset(val, stats, image, seed, options, "val")};
  for (const auto& note : notes) fmt::print(stderr, "{}", note);
  return splits;
}

}  // namespace graphrun
