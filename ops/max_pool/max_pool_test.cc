#include <doctest/doctest.h>

#include "ops/common/pool_geometry.h"
#include "tests/harness/bfloat16_case.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

// x[r][c] = scale * (r * w + c) + offset over one [1, 1, h, w] plane.
Tensor ramp(int64_t h, int64_t w, double scale = 1, double offset = 0) {
  Tensor x(DType::kFloat64, Shape{1, 1, h, w});
  for (int64_t i = 0; i < h * w; ++i) x.data<double>()[i] = scale * static_cast<double>(i) + offset;
  return x;
}

OpCase max_pool_case(Shape input, std::vector<int64_t> kernel, std::vector<int64_t> stride, std::vector<int64_t> pad = {0, 0},
            bool ceil_mode = false) {
  OpCase c{.op = "MaxPool", .input_shapes = {input}};
  c.attrs = {{"kernel", attr_ints(kernel)}, {"pad", attr_ints(pad)}, {"ceil_mode", attr_bool(ceil_mode)}};
  if (!stride.empty()) c.attrs.push_back({"stride", attr_ints(stride)});
  return c;
}

Shape out_shape(const OpCase& c) { return make_node(c, DType::kFloat64).outputs[0].shape; }

// Checks that `text` contains `part`, showing the whole text when it does not.
void check_has(const std::string& text, const std::string& part) {
  CHECK_MESSAGE(text.find(part) != std::string::npos, "message: ", text);
}

}  // namespace

TEST_CASE("MaxPool: output shapes follow PyTorch (floor, ceil, padding, default stride)") {
  CHECK(out_shape(max_pool_case(Shape{2, 96, 55, 55}, {3, 3}, {2, 2})) == Shape{2, 96, 27, 27});  // AlexNet pool1
  CHECK(out_shape(max_pool_case(Shape{2, 256, 13, 13}, {3, 3}, {2, 2})) == Shape{2, 256, 6, 6});  // pool5
  CHECK(out_shape(max_pool_case(Shape{1, 1, 6, 6}, {3, 3}, {2, 2})) == Shape{1, 1, 2, 2});
  CHECK(out_shape(max_pool_case(Shape{1, 1, 6, 6}, {3, 3}, {2, 2}, {0, 0}, true)) == Shape{1, 1, 3, 3});
  // Ceil mode drops a last window that would start in the padding: 4 -> 3.
  CHECK(out_shape(max_pool_case(Shape{1, 1, 5, 5}, {2, 2}, {2, 2}, {1, 1}, true)) == Shape{1, 1, 3, 3});
  CHECK(out_shape(max_pool_case(Shape{1, 1, 2, 2}, {3, 3}, {2, 2}, {0, 0}, true)) == Shape{1, 1, 1, 1});
  CHECK(out_shape(max_pool_case(Shape{1, 2, 8, 6}, {2, 2}, {})) == Shape{1, 2, 4, 3});  // stride = kernel
  CHECK(out_shape(max_pool_case(Shape{1, 1, 7, 9}, {3, 1}, {1, 2}, {1, 0})) == Shape{1, 1, 7, 5});
  CHECK(pool::output_size(6, 3, 2, 0, false) == 2);
  CHECK(pool::output_size(6, 3, 2, 0, true) == 3);
  CHECK(pool::output_size(2, 3, 1, 0, false) == 0);  // floor of a negative span, not truncation

  // A single int in the file is repeated ("kernel: 3", "stride: 2").
  OpCase single{.op = "MaxPool", .input_shapes = {Shape{1, 1, 5, 5}}};
  single.attrs = {{"kernel", attr_int(3)}, {"stride", attr_int(2)}};
  CHECK(out_shape(single) == Shape{1, 1, 2, 2});
}

TEST_CASE("MaxPool: attr and shape errors name the problem") {
  check_has(build_error(max_pool_case(Shape{1, 1, 2, 2}, {3, 3}, {2, 2})),
            "MaxPool 'node': kernel 3x3 does not fit input 2x2 (stride 2x2, pad 0x0): output would be 0x0");
  check_has(build_error(max_pool_case(Shape{1, 4, 4}, {2, 2}, {2, 2})), "MaxPool 'node': input 0 must have rank 4, got shape [1,4,4]");
  check_has(build_error(max_pool_case(Shape{1, 1, 8, 8}, {3, 3}, {1, 1}, {2, 1})),
            "pad 2x1 must be at most half of kernel 3x3");
  check_has(build_error(max_pool_case(Shape{1, 1, 8, 8}, {3, 3}, {1, 1, 1})),
            "attr 'stride' needs 2 values (or none: same as kernel), got [1,1,1]");
  check_has(build_error(max_pool_case(Shape{1, 1, 8, 8}, {3, 3}, {0, 2})), "attr 'stride' = [0,2] must be positive");
  check_has(build_error(max_pool_case(Shape{1, 1, 8, 8}, {3, 0}, {1, 1})), "attr 'kernel' = [3,0] must be positive");
  check_has(build_error(max_pool_case(Shape{1, 1, 8, 8}, {3, 3, 3}, {1, 1})), "attr 'kernel' needs 2 values, got [3,3,3]");
  check_has(build_error(max_pool_case(Shape{1, 1, 8, 8}, {3, 3}, {1, 1}, {-1, 0})), "attr 'pad' = [-1,0] must be >= 0");
  check_has(build_error(OpCase{.op = "MaxPool", .input_shapes = {Shape{1, 1, 8, 8}}}), "missing required attr 'kernel'");
  OpCase ints = max_pool_case(Shape{1, 1, 8, 8}, {2, 2}, {});
  ints.input_dtypes = {DType::kInt64};
  check_has(build_error(ints), "input 0 must be float32 or float64");
}

TEST_CASE("MaxPool: hand-computed values") {
  // 3x3 stride 2 on a 5x5 ramp: each window's maximum is its bottom-right cell.
  Tensor y = run_reference(make_node(max_pool_case(Shape{1, 1, 5, 5}, {3, 3}, {2, 2}), DType::kFloat64), {ramp(5, 5)})[0];
  CHECK(y.shape() == Shape{1, 1, 2, 2});
  CHECK(y.values<double>()[0] == 12);
  CHECK(y.values<double>()[1] == 14);
  CHECK(y.values<double>()[2] == 22);
  CHECK(y.values<double>()[3] == 24);

  // Padding is -infinity, not 0: on an all-negative input the padded corner still gives x[0][0].
  y = run_reference(make_node(max_pool_case(Shape{1, 1, 3, 3}, {3, 3}, {1, 1}, {1, 1}), DType::kFloat64), {ramp(3, 3, -1, -1)})[0];
  CHECK(y.values<double>()[0] == -1);  // window rows/cols -1..1
  CHECK(y.values<double>()[8] == -5);  // window rows/cols 1..3: max is x[1][1]

  // Ceil mode: the third window of a 6-wide input starts at 4 and overhangs: max is x[5][5].
  y = run_reference(make_node(max_pool_case(Shape{1, 1, 6, 6}, {3, 3}, {2, 2}, {0, 0}, true), DType::kFloat64), {ramp(6, 6)})[0];
  CHECK(y.shape() == Shape{1, 1, 3, 3});
  CHECK(y.values<double>()[0] == 14);
  CHECK(y.values<double>()[8] == 35);
}

TEST_CASE("MaxPool: oneDNN against reference (AlexNet, ceil mode, padding, rectangular)") {
  CHECK(check_kernels_against_reference(max_pool_case(Shape{2, 96, 55, 55}, {3, 3}, {2, 2})) == 1);
  CHECK(check_kernels_against_reference(max_pool_case(Shape{2, 256, 13, 13}, {3, 3}, {2, 2})) == 1);
  CHECK(check_kernels_against_reference(max_pool_case(Shape{2, 3, 6, 6}, {3, 3}, {2, 2}, {0, 0}, true)) == 1);
  CHECK(check_kernels_against_reference(max_pool_case(Shape{2, 3, 5, 5}, {2, 2}, {2, 2}, {1, 1}, true)) == 1);
  CHECK(check_kernels_against_reference(max_pool_case(Shape{2, 3, 10, 9}, {3, 3}, {2, 2}, {1, 1}, true)) == 1);
  CHECK(check_kernels_against_reference(max_pool_case(Shape{1, 5, 9, 7}, {3, 2}, {1, 2}, {1, 1})) == 1);
  CHECK(check_kernels_against_reference(max_pool_case(Shape{2, 4, 8, 8}, {2, 2}, {})) == 1);
  CHECK(check_kernels_against_reference(max_pool_case(Shape{1, 2, 2, 2}, {3, 3}, {2, 2}, {0, 0}, true)) == 1);
}

TEST_CASE("MaxPool: bfloat16 oneDNN kernel against the float32 reference") {
  if (!bfloat16_cpu()) return;
  CHECK(check_bfloat16_kernels(bfloat16_tolerance(max_pool_case(Shape{2, 96, 55, 55}, {3, 3}, {2, 2}))) == 1);
  CHECK(check_bfloat16_kernels(bfloat16_tolerance(max_pool_case(Shape{2, 3, 10, 9}, {3, 3}, {2, 2}, {1, 1}, true))) == 1);
}
