// Data sets for training and evaluation (image folders: runtime/data/image_folder.h).
// A data set yields float images already shaped for the graph's input (resized, channels
// repeated, mean subtracted) and integer labels. Batches follow a per-epoch permutation keyed
// by (seed, epoch), so a resumed run sees exactly the order an uninterrupted run would.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/shape.h"
#include "core/tensor.h"

namespace graphrun {

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::string name() const = 0;
  virtual int64_t size() const = 0;
  virtual int64_t num_classes() const = 0;
  // Writes sample `index` as a float image of shape `image` ([C, H, W]) and returns its label.
  virtual int64_t get(int64_t index, float* out, const Shape& image) const = 0;
  // A training sample, augmented with randomness keyed by (seed, epoch, index); by default the
  // plain sample. May throw BadImage (runtime/data/image_codec.h) for a sample to be skipped.
  virtual int64_t get_train(int64_t index, int64_t epoch, float* out, const Shape& image) const {
    return get(index, out, image);
  }
  // Evaluation views per sample (10 for ten-crop evaluation); get_view(index, 0) is get().
  virtual int views() const { return 1; }
  virtual int64_t get_view(int64_t index, int view, float* out, const Shape& image) const {
    return get(index, out, image);
  }
  // Samples cost real work (decoding): feed training through the parallel pipeline.
  virtual bool expensive() const { return false; }
  // Class names by index, when the data set has them (written to labels.txt by the trainer).
  virtual std::vector<std::string> class_names() const { return {}; }
  // The mean image subtracted from every sample, [C, side, side] in [0, 1] units before any crop
  // or resize, when there is one. The trainer saves it beside the weights (mean.npz), so that
  // `graphrun classify` prepares a new image as this data set prepares its samples.
  virtual Tensor mean_image() const { return {}; }
};

struct DataOptions {
  bool ten_crop = false;  // image folders: evaluate on ten crops instead of the centre crop
  // Image folders: the training scale S, fixed (scale_min) or jittered over [scale_min,
  // scale_max] (runtime/data/image_folder.h). 0: the prepared images as they are.
  int64_t scale_min = 0, scale_max = 0;
  int64_t eval_scale = 0;   // image folders: evaluation views from the image rescaled to Q x Q
  bool grid_crops = false;  // image folders: evaluate on the 5x5 grid of crops and their flips
  // Fashion-MNIST training samples (image folders always crop and flip): moved by up to `shift`
  // pixels each way with black filling in (torchvision's RandomCrop(28, padding=shift)), and
  // mirrored with p = 1/2 when `flip`; keyed by (seed, epoch, sample) like every augmentation.
  int64_t shift = 0;
  bool flip = false;
};

struct DataSplits {
  std::unique_ptr<Dataset> train;
  std::unique_ptr<Dataset> validation;
};

// "fashion-mnist" (the Debian package's IDX files), a folder holding those files, or
// "synthetic". `image` is the graph's input shape without the batch ([C, H, W]); `classes` the
// logits' width (the synthetic set uses min(classes, 10) of them).
// An image folder (raw class subfolders, or the output of `graphrun prepare`) works too.
DataSplits open_dataset(const std::string& spec, const Shape& image, int64_t classes, uint64_t seed,
                        const DataOptions& options = {});

// Sample order of an epoch: a permutation of [0, n) from (seed, epoch).
std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int64_t epoch);

// Batches: runtime/data/batch_source.h (synchronous, or the input pipeline for image data).

// Bilinear resize of one channel (half-pixel centres, as PyTorch's align_corners=False).
void resize_bilinear(const float* src, int64_t src_h, int64_t src_w, float* dst, int64_t dst_h, int64_t dst_w);

}  // namespace graphrun
