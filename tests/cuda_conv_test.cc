// GPU tests of the cuDNN convolution kernels (ops/conv2d/conv2d_cuda.cc): Conv2D,
// Conv2DBackpropInput and Conv2DBackpropFilter against the reference kernels in float32 and
// float64, on AlexNet's geometry and every attr variant the reference has.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>

#include "core/precision.h"
#include "tests/harness/precision_scope.h"
#include "ops/common/conv_geometry.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

using Attrs = std::vector<std::pair<std::string, proto::Attr>>;

// One convolution: input shape, filters, kernel [kh, kw] and the attrs stride, pad, dilation,
// groups (each [h, w]; absent means the op's default).
struct Conv {
  Shape x;
  int64_t filters;
  std::array<int64_t, 2> kernel;
  std::array<int64_t, 2> stride{1, 1}, pad{0, 0}, dilation{1, 1};
  int64_t groups = 1;
  bool use_bias = true;

  Attrs attrs() const {
    return {{"stride", attr_ints({stride[0], stride[1]})},
            {"pad", attr_ints({pad[0], pad[1]})},
            {"dilation", attr_ints({dilation[0], dilation[1]})},
            {"groups", attr_int(groups)}};
  }
  Shape weight() const { return Shape{filters, x[1] / groups, kernel[0], kernel[1]}; }
  Shape y() const {
    return Shape{x[0], filters, conv_output_size(x[2], kernel[0], stride[0], pad[0], dilation[0]),
                 conv_output_size(x[3], kernel[1], stride[1], pad[1], dilation[1])};
  }
};

// float32 error grows with the number of terms a sum has (and FFT or Winograd algorithms add
// their own); the reference accumulates in double. The relative part covers large outputs, the
// absolute part outputs near zero that large partial sums cancelled to.
void set_tolerance(OpCase& c, int64_t terms) {
  c.rtol = 1e-4;
  c.atol = std::max(1e-4, 1e-6 * static_cast<double>(terms));
}

OpCase forward_case(const Conv& conv) {
  OpCase c;
  c.op = "Conv2D";
  c.attrs = conv.attrs();
  c.attrs.push_back({"filters", attr_int(conv.filters)});
  c.attrs.push_back({"kernel", attr_ints({conv.kernel[0], conv.kernel[1]})});
  c.attrs.push_back({"use_bias", attr_bool(conv.use_bias)});
  c.input_shapes = {conv.x, conv.weight()};
  if (conv.use_bias) c.input_shapes.push_back(Shape{conv.filters});
  set_tolerance(c, conv.x[1] / conv.groups * conv.kernel[0] * conv.kernel[1]);
  return c;
}

// Conv2DBackpropInput or Conv2DBackpropFilter: inputs x, weight, dy.
OpCase backward_case(const std::string& op, const Conv& conv) {
  OpCase c;
  c.op = op;
  c.attrs = conv.attrs();
  c.input_shapes = {conv.x, conv.weight(), conv.y()};
  Shape y = conv.y();
  set_tolerance(c, op == "Conv2DBackpropFilter" ? y[0] * y[2] * y[3]
                                                : conv.filters / conv.groups * conv.kernel[0] * conv.kernel[1]);
  return c;
}

// All three ops of one convolution on `device`: each must have run in float32 and float64.
void check_all(const Conv& conv, const std::string& device = "gpu:0") {
  CHECK(check_device_kernels_against_reference(forward_case(conv), device) == 2);
  CHECK(check_device_kernels_against_reference(backward_case("Conv2DBackpropInput", conv), device) == 2);
  CHECK(check_device_kernels_against_reference(backward_case("Conv2DBackpropFilter", conv), device) == 2);
}

}  // namespace

TEST_CASE("cuda: Conv2D and its gradients on AlexNet's conv1 (11x11, stride 4)") {
  // The graph's conv1: 227x227 without padding -> 55x55, all 96 filters.
  CHECK(check_device_kernels_against_reference(
            forward_case({.x = Shape{2, 3, 227, 227}, .filters = 96, .kernel = {11, 11}, .stride = {4, 4}}),
            "gpu:0") == 2);
  // PyTorch's variant, pad 2 -> 56x56; fewer filters keep the reference's backward loops short.
  check_all({.x = Shape{2, 3, 227, 227}, .filters = 16, .kernel = {11, 11}, .stride = {4, 4}, .pad = {2, 2}});
}

TEST_CASE("cuda: grouped Conv2D and its gradients (AlexNet conv2, conv4: groups 2)") {
  // conv2's 5x5 pad 2 on 27x27 with two groups, channels reduced.
  check_all({.x = Shape{2, 16, 27, 27}, .filters = 32, .kernel = {5, 5}, .pad = {2, 2}, .groups = 2});
  // conv4's 3x3 pad 1 on 13x13, odd channel counts per group.
  check_all({.x = Shape{2, 6, 13, 13}, .filters = 10, .kernel = {3, 3}, .pad = {1, 1}, .groups = 2});
  // One input channel per group (depthwise), two filters each.
  check_all({.x = Shape{2, 4, 9, 9}, .filters = 8, .kernel = {3, 3}, .pad = {1, 1}, .groups = 4});
}

TEST_CASE("cuda: Conv2D and its gradients: 3x3 pad 1, 1x1, dilation, strides, batch 1, no bias") {
  // conv3's 3x3 pad 1 stride 1 (channels reduced).
  check_all({.x = Shape{2, 8, 13, 13}, .filters = 12, .kernel = {3, 3}, .pad = {1, 1}});
  // 1x1 convolution.
  check_all({.x = Shape{2, 16, 7, 7}, .filters = 8, .kernel = {1, 1}});
  // Dilation 2 (a 5x5 extent), with and without padding and stride.
  check_all({.x = Shape{2, 4, 11, 10}, .filters = 5, .kernel = {3, 3}, .dilation = {2, 2}});
  check_all({.x = Shape{2, 4, 11, 10}, .filters = 5, .kernel = {3, 3}, .stride = {2, 2}, .pad = {1, 1},
             .dilation = {2, 2}});
  // Non-square kernel, stride, pad and dilation.
  check_all({.x = Shape{2, 3, 9, 12}, .filters = 4, .kernel = {3, 5}, .stride = {1, 2}, .pad = {1, 0},
             .dilation = {2, 1}});
  // Batch 1, stride 2 whose floor leaves the last input row and column unread: dx is 0 there.
  check_all({.x = Shape{1, 5, 10, 10}, .filters = 7, .kernel = {3, 3}, .stride = {2, 2}});
  // Padding wider than the kernel's reach: whole output rows see only zeros (and the bias).
  check_all({.x = Shape{1, 2, 5, 5}, .filters = 3, .kernel = {2, 2}, .pad = {3, 3}});
  // No bias: the forward takes x and weight only (the backward ops do not depend on it).
  CHECK(check_device_kernels_against_reference(
            forward_case({.x = Shape{2, 6, 8, 8}, .filters = 4, .kernel = {3, 3}, .pad = {1, 1}, .use_bias = false}),
            "gpu:0") == 2);
}

TEST_CASE("cuda: Conv2D and its gradients on gpu:1 (the second tower's identical convolution)") {
  // The same convolution as on gpu:0 above: gpu:1's kernels take the cached algorithms.
  check_all({.x = Shape{2, 16, 27, 27}, .filters = 32, .kernel = {5, 5}, .pad = {2, 2}, .groups = 2}, "gpu:1");
  check_all({.x = Shape{1, 3, 15, 17}, .filters = 6, .kernel = {4, 4}, .stride = {3, 3}, .pad = {1, 1}}, "gpu:1");
}

TEST_CASE("cuda: Conv2D in float32 under --precision tf32") {
  PrecisionScope tf32(MathPrecision::kTF32);
  // TF32 keeps 10 mantissa bits of each operand: products are off by up to ~1e-3 relative, and a
  // 363-term sum by a few 1e-3 absolute at this geometry.
  OpCase c = forward_case({.x = Shape{2, 3, 227, 227}, .filters = 32, .kernel = {11, 11}, .stride = {4, 4}});
  c.rtol = 1e-2;
  c.atol = 3e-2;
  CHECK(check_device_kernels_against_reference(c, "gpu:0") == 2);
  OpCase grouped = forward_case({.x = Shape{2, 16, 27, 27}, .filters = 32, .kernel = {5, 5}, .pad = {2, 2}, .groups = 2});
  grouped.rtol = 1e-2;
  grouped.atol = 3e-2;
  CHECK(check_device_kernels_against_reference(grouped, "gpu:0") == 2);
}

TEST_CASE("cuda: cuDNN convolution limits are load-time errors") {
  // 2.5e9 elements: past the int indexing of cuDNN's descriptors. Only the kernel is built, no
  // tensor is allocated.
  OpCase huge = forward_case({.x = Shape{1, 1, 50000, 50000}, .filters = 1, .kernel = {1, 1}});
  NodeInfo node = make_node(huge, DType::kFloat32, "gpu:0");
  std::vector<const KernelDef*> kernels = KernelRegistry::global().find("Conv2D", DeviceType::kCUDA, DType::kFloat32);
  REQUIRE(!kernels.empty());
  CHECK_THROWS_WITH(kernels[0]->create(node), doctest::Contains("at most 2^31 - 1 elements, but x has shape"));
}
