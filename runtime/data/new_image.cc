#include "runtime/data/new_image.h"

#include <algorithm>

#include "core/error.h"
#include "runtime/data/dataset.h"

namespace graphrun {

namespace {

// ITU-R BT.601 luma in integers: a grey pixel (r = g = b) keeps its exact value.
uint8_t luma(const uint8_t* rgb) { return static_cast<uint8_t>((299 * rgb[0] + 587 * rgb[1] + 114 * rgb[2] + 500) / 1000); }

}  // namespace

NewImagePreparer::NewImagePreparer(const Tensor& mean_in, const Shape& input) : input_(input) {
  if (input.rank() != 3) fail("an image input is [C, H, W]; this one is {}", input.str());
  const int64_t channels = input[0], h = input[1], w = input[2];
  Tensor mean = mean_in;
  if (!mean.valid()) mean = Tensor::zeros(DType::kFloat32, Shape{channels == 3 ? 3 : 1, std::max(h, w), std::max(h, w)});
  const Shape& m = mean.shape();
  if (mean.dtype() != DType::kFloat32 || m.rank() != 3 || (m[0] != 3 && m[0] != 1) || m[1] != m[2] || m[1] < 1)
    fail("the mean image must be float32 [3, S, S] or [1, S, S]; it is {} {}", dtype_name(mean.dtype()), m.str());
  colour_ = m[0] == 3;
  stats_.side = m[1];
  if (colour_ && (channels != 3 || h > stats_.side || w > stats_.side))
    fail("a colour mean image of {}x{} fits a graph input of [3, H, W] with H and W at most {}; the input is {}",
         stats_.side, stats_.side, stats_.side, input.str());
  stats_.mean.assign(mean.data<float>(), mean.data<float>() + mean.num_elements());
}

void NewImagePreparer::prepare(const RgbImage& image, float* out, int first_view, int views) const {
  for (int view = first_view; view < first_view + views; ++view) {
    if (view < 0 || view > 9) fail("evaluation view {} does not exist (0 to 9)", view);
    if (!colour_ && view != 0)
      fail("ten-crop views need a colour model with a prepared square larger than its input; this one is grey, [1, "
           "{}, {}]",
           stats_.side, stats_.side);
  }
  const int64_t side = stats_.side, channels = input_[0], h = input_[1], w = input_[2];
  std::vector<uint8_t> square(static_cast<size_t>(side * side * 3));
  resize_center_crop(image, side, square.data());
  if (colour_) {
    // The image-folder path: crops of the prepared square (image_folder.cc).
    for (int v = 0; v < views; ++v)
      apply_crop(square.data(), stats_, eval_crop(first_view + v, side, h, w), h, w, out + v * input_.num_elements());
    return;
  }
  // The Fashion-MNIST path (fashion_mnist.cc): grey, mean subtracted, resized, channels repeated.
  std::vector<float> grey(static_cast<size_t>(side * side));
  for (int64_t i = 0; i < side * side; ++i) grey[i] = static_cast<float>(luma(&square[i * 3])) / 255.0f - stats_.mean[i];
  if (h == side && w == side) std::copy(grey.begin(), grey.end(), out);
  else resize_bilinear(grey.data(), side, side, out, h, w);
  for (int64_t c = 1; c < channels; ++c) std::copy(out, out + h * w, out + c * h * w);
}

void prepare_new_image(const RgbImage& image, const Tensor& mean, const Shape& input, float* out, int view) {
  NewImagePreparer(mean, input).prepare(image, out, view);
}

}  // namespace graphrun
