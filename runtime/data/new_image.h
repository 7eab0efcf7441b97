// A new image (a JPEG or PNG of any size) prepared for a trained graph's input the way its
// training data prepared evaluation samples, from the mean image the trainer saved (mean.npz,
// Dataset::mean_image()): `graphrun classify`.
#pragma once

#include "core/shape.h"
#include "core/tensor.h"
#include "runtime/data/image_codec.h"
#include "runtime/data/image_transform.h"

namespace graphrun {

// `mean` is [3, S, S] (image folders: the shorter side scaled to S, the central S x S square,
// the centre crop of the input's size, mean subtracted: the eval path of image_folder.h), or
// [1, S, S] (Fashion-MNIST: the S x S square in grey, mean subtracted, resized to the input's
// size and repeated over its channels, as fashion_mnist.cc does). Without a mean (an invalid
// tensor) the image is prepared as a [C == 3 ? 3 : 1, S, S] set with a zero mean, S the larger
// side of the input. `input` is [C, H, W]. The constructor checks the mean against the input
// once (throws Error when it does not fit), so many images cost only their own work.
class NewImagePreparer {
 public:
  NewImagePreparer(const Tensor& mean, const Shape& input);
  // The side of the square an image is scaled and centre-cropped to before anything else.
  int64_t side() const { return stats_.side; }
  // Views [first_view, first_view + views) of `image`, one after another (views * C * H * W
  // floats), from one scaling of it. A view is one of the ten evaluation crops of a colour model
  // (image_transform.h's eval_crop: 0 the centre, 1-4 the corners, 5-9 the same flipped); a grey
  // model has only the whole square (view 0).
  void prepare(const RgbImage& image, float* out, int first_view = 0, int views = 1) const;

 private:
  Shape input_;
  bool colour_ = false;
  ImageStats stats_;  // the mean and the square's side (no lighting: evaluation)
};

// One view of one image (a NewImagePreparer made for it).
void prepare_new_image(const RgbImage& image, const Tensor& mean, const Shape& input, float* out, int view = 0);

}  // namespace graphrun
