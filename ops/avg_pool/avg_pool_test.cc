#include <doctest/doctest.h>

#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

Tensor ramp(int64_t h, int64_t w, double offset) {
  Tensor x(DType::kFloat64, Shape{1, 1, h, w});
  for (int64_t i = 0; i < h * w; ++i) x.data<double>()[i] = static_cast<double>(i) + offset;
  return x;
}

OpCase avg_pool_case(Shape input, std::vector<int64_t> kernel, std::vector<int64_t> stride, std::vector<int64_t> pad = {0, 0},
            bool ceil_mode = false, bool count_include_pad = true) {
  OpCase c{.op = "AvgPool", .input_shapes = {input}};
  c.attrs = {{"kernel", attr_ints(kernel)},
             {"pad", attr_ints(pad)},
             {"ceil_mode", attr_bool(ceil_mode)},
             {"count_include_pad", attr_bool(count_include_pad)}};
  if (!stride.empty()) c.attrs.push_back({"stride", attr_ints(stride)});
  return c;
}

std::vector<double> run(const OpCase& c, const Tensor& x) {
  Tensor y = run_reference(make_node(c, DType::kFloat64), {x})[0];
  return {y.values<double>().begin(), y.values<double>().end()};
}

// Checks that `text` contains `part`, showing the whole text when it does not.
void check_has(const std::string& text, const std::string& part) {
  CHECK_MESSAGE(text.find(part) != std::string::npos, "message: ", text);
}

// The oneDNN kernel's answer to supports() for the case in float32.
std::string onednn_supports(const OpCase& c) {
  NodeInfo node = make_node(c, DType::kFloat32);
  for (const KernelDef* k : KernelRegistry::global().find("AvgPool", DeviceType::kCPU, DType::kFloat32))
    if (k->label == "onednn") return k->supports(node);
  return "no oneDNN kernel";
}

}  // namespace

TEST_CASE("AvgPool: shapes and errors (shared with MaxPool)") {
  CHECK(make_node(avg_pool_case(Shape{2, 8, 6, 6}, {3, 3}, {2, 2}, {0, 0}, true), DType::kFloat32).outputs[0].shape ==
        Shape{2, 8, 3, 3});
  CHECK(make_node(avg_pool_case(Shape{2, 8, 6, 6}, {3, 3}, {2, 2}), DType::kFloat32).outputs[0].shape == Shape{2, 8, 2, 2});
  check_has(build_error(avg_pool_case(Shape{1, 1, 2, 2}, {3, 3}, {1, 1})), "AvgPool 'node': kernel 3x3 does not fit input 2x2");
  check_has(build_error(avg_pool_case(Shape{1, 1, 8, 8}, {2, 2}, {2, 2}, {2, 0})), "pad 2x0 must be at most half of kernel 2x2");
  check_has(build_error(avg_pool_case(Shape{8, 8}, {2, 2}, {2, 2})), "input 0 must have rank 4, got shape [8,8]");
  OpCase flag = avg_pool_case(Shape{1, 1, 4, 4}, {2, 2}, {});
  flag.attrs.push_back({"count_include_padding", attr_bool(false)});
  check_has(build_error(flag), "unknown attr 'count_include_padding' (did you mean 'count_include_pad'?)");
}

TEST_CASE("AvgPool: padding with and without count_include_pad") {
  // 2x2 stride 2 pad 1 on [[1,2,3],[4,5,6],[7,8,9]] (checked with torch.nn.functional.avg_pool2d).
  Tensor x = ramp(3, 3, 1);
  CHECK(run(avg_pool_case(Shape{1, 1, 3, 3}, {2, 2}, {2, 2}, {1, 1}, false, true), x) == std::vector<double>{0.25, 1.25, 2.75, 7});
  CHECK(run(avg_pool_case(Shape{1, 1, 3, 3}, {2, 2}, {2, 2}, {1, 1}, false, false), x) == std::vector<double>{1, 2.5, 5.5, 7});
}

TEST_CASE("AvgPool: ceil mode divisor counts padding but not the overhang (PyTorch)") {
  // [[0,1],[2,3]], kernel 3 stride 2 ceil: one window over rows/cols 0..2, padded input ends at 2.
  CHECK(run(avg_pool_case(Shape{1, 1, 2, 2}, {3, 3}, {2, 2}, {0, 0}, true), ramp(2, 2, 0)) == std::vector<double>{1.5});
  // 6x6 ramp 0..35, kernel 3 stride 2 pad 1 ceil: 4x4 output; the last window (rows 5..7) is
  // clipped to the padded input (rows 5..6): divisor 2 per dimension.
  std::vector<double> y = run(avg_pool_case(Shape{1, 1, 6, 6}, {3, 3}, {2, 2}, {1, 1}, true), ramp(6, 6, 0));
  REQUIRE(y.size() == 16);
  CHECK(y[0] == doctest::Approx((0 + 1 + 6 + 7) / 9.0));
  CHECK(y[3] == doctest::Approx((5 + 11) / 6.0));
  CHECK(y[15] == doctest::Approx(35 / 4.0));
  y = run(avg_pool_case(Shape{1, 1, 6, 6}, {3, 3}, {2, 2}, {1, 1}, true, false), ramp(6, 6, 0));
  CHECK(y[0] == doctest::Approx((0 + 1 + 6 + 7) / 4.0));
  CHECK(y[15] == doctest::Approx(35));
}

TEST_CASE("AvgPool: oneDNN refuses ceil-mode overhang with count_include_pad, with a reason") {
  OpCase overhang = avg_pool_case(Shape{2, 3, 6, 6}, {3, 3}, {2, 2}, {1, 1}, true, true);
  check_has(onednn_supports(overhang), "ceil-mode window");
  CHECK(check_kernels_against_reference(overhang) == 0);  // only the reference runs it
  CHECK(onednn_supports(avg_pool_case(Shape{2, 3, 6, 6}, {3, 3}, {2, 2}, {1, 1}, true, false)).empty());
  // Ceil mode whose last window fits (7 = 3 windows exactly) is accepted.
  CHECK(onednn_supports(avg_pool_case(Shape{2, 3, 7, 7}, {3, 3}, {2, 2}, {0, 0}, true, true)).empty());
}

TEST_CASE("AvgPool: oneDNN against reference") {
  CHECK(check_kernels_against_reference(avg_pool_case(Shape{2, 96, 55, 55}, {3, 3}, {2, 2})) == 1);
  CHECK(check_kernels_against_reference(avg_pool_case(Shape{2, 4, 7, 7}, {3, 3}, {2, 2}, {1, 1}, false, true)) == 1);
  CHECK(check_kernels_against_reference(avg_pool_case(Shape{2, 4, 7, 7}, {3, 3}, {2, 2}, {1, 1}, false, false)) == 1);
  CHECK(check_kernels_against_reference(avg_pool_case(Shape{2, 3, 6, 6}, {3, 3}, {2, 2}, {1, 1}, true, false)) == 1);
  CHECK(check_kernels_against_reference(avg_pool_case(Shape{2, 3, 6, 6}, {3, 3}, {2, 2}, {0, 0}, true, false)) == 1);
  CHECK(check_kernels_against_reference(avg_pool_case(Shape{2, 3, 7, 7}, {3, 3}, {2, 2}, {0, 0}, true, true)) == 1);
  CHECK(check_kernels_against_reference(avg_pool_case(Shape{1, 5, 9, 8}, {3, 2}, {1, 2}, {1, 1})) == 1);
  CHECK(check_kernels_against_reference(avg_pool_case(Shape{2, 4, 8, 8}, {2, 2}, {})) == 1);
}
