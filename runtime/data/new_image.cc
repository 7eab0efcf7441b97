#include "runtime/data/new_image.h"

#include <algorithm>

#include "core/error.h"
#include "runtime/data/dataset.h"
#include "runtime/data/image_transform.h"

namespace graphrun {

namespace {

// ITU-R BT.601 luma in integers: a grey pixel (r = g = b) keeps its exact value.
uint8_t luma(const uint8_t* rgb) { return static_cast<uint8_t>((299 * rgb[0] + 587 * rgb[1] + 114 * rgb[2] + 500) / 1000); }

}  // namespace

void prepare_new_image(const RgbImage& image, const Tensor& mean_in, const Shape& input, float* out, int view) {
  if (view < 0 || view > 9) fail("evaluation view {} does not exist (0 to 9)", view);
  if (input.rank() != 3) fail("an image input is [C, H, W]; this one is {}", input.str());
  const int64_t channels = input[0], h = input[1], w = input[2];
  Tensor mean = mean_in;
  if (!mean.valid()) mean = Tensor::zeros(DType::kFloat32, Shape{channels == 3 ? 3 : 1, std::max(h, w), std::max(h, w)});
  const Shape& m = mean.shape();
  if (mean.dtype() != DType::kFloat32 || m.rank() != 3 || (m[0] != 3 && m[0] != 1) || m[1] != m[2] || m[1] < 1)
    fail("the mean image must be float32 [3, S, S] or [1, S, S]; it is {} {}", dtype_name(mean.dtype()), m.str());
  const int64_t side = m[1];
  std::vector<uint8_t> square(static_cast<size_t>(side * side * 3));
  resize_center_crop(image, side, square.data());

  if (m[0] == 3) {
    // The image-folder path: the centre crop of the prepared square (image_folder.cc).
    if (channels != 3 || h > side || w > side)
      fail("a colour mean image of {}x{} fits a graph input of [3, H, W] with H and W at most {}; the input is {}", side,
           side, side, input.str());
    ImageStats stats;
    stats.side = side;
    stats.mean.assign(mean.data<float>(), mean.data<float>() + mean.num_elements());
    apply_crop(square.data(), stats, eval_crop(view, side, h, w), h, w, out);
    return;
  }
  if (view != 0)
    fail("ten-crop views need a colour model with a prepared square larger than its input; this one is grey, [1, {}, {}]",
         side, side);
  // The Fashion-MNIST path (fashion_mnist.cc): grey, mean subtracted, resized, channels repeated.
  std::vector<float> grey(static_cast<size_t>(side * side));
  for (int64_t i = 0; i < side * side; ++i)
    grey[i] = static_cast<float>(luma(&square[i * 3])) / 255.0f - mean.data<float>()[i];
  if (h == side && w == side) std::copy(grey.begin(), grey.end(), out);
  else resize_bilinear(grey.data(), side, side, out, h, w);
  for (int64_t c = 1; c < channels; ++c) std::copy(out, out + h * w, out + c * h * w);
}

}  // namespace graphrun
