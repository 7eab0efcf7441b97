// ImageNet-style image data: a folder with one subfolder per class (class index = the sorted
// folder name), either raw JPEG/PNG files or the shards `graphrun prepare` writes. Both become
// records of prepared 256x256 RGB images, and a Dataset that augments them as the paper did.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/data/dataset.h"
#include "runtime/data/image_transform.h"

namespace graphrun {

struct ImageFolder {
  std::string root;
  std::vector<std::string> classes;  // sorted
  std::vector<std::string> files;    // sorted by class, then by name
  std::vector<int64_t> labels;
  std::vector<std::string> empty_classes;  // class folders without a single image file
};

// Lists class folders and their .jpg/.jpeg/.png files (case-insensitive, as torchvision's
// ImageFolder). Fails clearly when there is no class folder or no image at all; empty class
// folders keep their index and are listed in `empty_classes`.
ImageFolder scan_image_folder(const std::string& root);

// True when `dir` holds class subfolders, or train/ and val/ splits of them.
bool is_image_folder(const std::string& dir);
// True when `dir` was written by `graphrun prepare`.
bool is_prepared_folder(const std::string& dir);

// Prepared side x side RGB images with labels; load() throws BadImage for a bad record.
class ImageRecords {
 public:
  virtual ~ImageRecords() = default;
  virtual int64_t size() const = 0;
  virtual int64_t label(int64_t i) const = 0;
  virtual std::string name(int64_t i) const = 0;
  virtual void load(int64_t i, uint8_t* hwc) const = 0;
  virtual std::string description() const = 0;
  // Every record is side x side.
  virtual int64_t side() const = 0;
  const std::vector<std::string>& classes() const { return classes_; }

 protected:
  std::vector<std::string> classes_;
};

// Decodes (at the smallest DCT scale that keeps `side`), resizes and centre-crops the files of an
// image folder to side x side on every load.
std::unique_ptr<ImageRecords> folder_records(ImageFolder folder, int64_t side = kPreparedSide);

// Statistics of a raw folder, estimated from up to `max_images` images spread over it (prepare
// computes them over all). Bad files are skipped.
ImageStats estimate_stats(const ImageRecords& records, int64_t max_images = 256);

struct ImageDataOptions {
  bool ten_crop = false;          // evaluation views: 10 instead of the centre crop
  // The VGG paper's training scale S: each image rescaled to S x S (records are squares, so
  // isotropically: the shorter side is S) before the crop, the mean RGB value subtracted. S is
  // scale_min, or drawn per image and per use from [scale_min, scale_max] (scale jittering);
  // evaluation then uses Q = (scale_min + scale_max) / 2. 0: the records as they are.
  int64_t scale_min = 0, scale_max = 0;
  // Evaluation at test scale Q: views come from the record rescaled to Q x Q (mean RGB
  // subtracted); 0: Q from the training scale above, else the records as they are.
  int64_t eval_scale = 0;
  bool grid_crops = false;  // evaluation views: the 5x5 grid and its flips (50) instead of the centre crop
  double lighting_sigma = 0.1;
};

// A Dataset over image records: get() is the evaluation centre crop, get_train() the paper's
// augmentation, get_view() the ten crops. Fails naming both sizes when the records are smaller
// than the largest scale asked or the scale is smaller than the graph's input.
std::unique_ptr<Dataset> image_dataset(std::shared_ptr<const ImageRecords> records, std::shared_ptr<const ImageStats> stats,
                                       const Shape& image, uint64_t seed, const ImageDataOptions& options,
                                       std::string split);

// A raw or prepared image folder as train and validation splits. Without a val split the
// training images double as the validation set (with the centre crop), as the message says.
DataSplits open_image_data(const std::string& dir, const Shape& image, int64_t classes, uint64_t seed,
                           const ImageDataOptions& options);

}  // namespace graphrun
