#include <doctest/doctest.h>

#include "core/device.h"
#include "ops/common/conv_geometry.h"
#include "tests/harness/bfloat16_case.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

using Attrs = std::vector<std::pair<std::string, proto::Attr>>;

int64_t attr_or(const Attrs& attrs, const std::string& name, int axis, int64_t otherwise) {
  for (const auto& [key, value] : attrs)
    if (key == name) return value.has_ints() ? value.ints().v(axis) : value.i();
  return otherwise;
}

// A backward op's case: x [N, C, H, W], a k x k weight of `filters` filters and the dy the
// Conv2D with these attrs (stride, pad, dilation, groups) would give.
OpCase grad_case(const std::string& op, Shape x, int64_t filters, int64_t k, Attrs attrs = {}) {
  int64_t groups = attr_or(attrs, "groups", 0, 1);
  int64_t out[2];
  for (int axis = 0; axis < 2; ++axis)
    out[axis] = conv_output_size(x[2 + axis], k, attr_or(attrs, "stride", axis, 1), attr_or(attrs, "pad", axis, 0),
                                 attr_or(attrs, "dilation", axis, 1));
  OpCase c;
  c.op = op;
  c.attrs = std::move(attrs);
  c.input_shapes = {x, Shape{filters, x[1] / groups, k, k}, Shape{x[0], filters, out[0], out[1]}};
  c.rtol = 1e-4;  // float32 oneDNN sums in another order than the double-accumulating reference
  c.atol = 1e-4;
  return c;
}

// A Conv2D with explicit x, weight[, bias] for the gradient check.
OpCase conv_case(Shape x, int64_t filters, int64_t k, Attrs extra, bool use_bias = true) {
  int64_t groups = attr_or(extra, "groups", 0, 1);
  OpCase c;
  c.op = "Conv2D";
  c.attrs = {{"filters", attr_int(filters)}, {"kernel", attr_ints({k, k})}, {"use_bias", attr_bool(use_bias)}};
  c.attrs.insert(c.attrs.end(), extra.begin(), extra.end());
  c.input_shapes = {x, Shape{filters, x[1] / groups, k, k}};
  if (use_bias) c.input_shapes.push_back(Shape{filters});
  return c;
}

std::vector<double> values(const Tensor& t) { return {t.values<double>().begin(), t.values<double>().end()}; }

}  // namespace

#define CHECK_ERROR(message, part)                                                    \
  do {                                                                                \
    std::string text_ = (message);                                                    \
    CHECK_MESSAGE(text_.find(part) != std::string::npos, "error was: '", text_, "'"); \
  } while (0)

TEST_CASE("Conv2DBackpropInput, Conv2DBackpropFilter: shapes (AlexNet conv2) and cost") {
  Attrs conv2{{"pad", attr_int(2)}, {"groups", attr_int(2)}};
  NodeInfo dx = make_node(grad_case("Conv2DBackpropInput", Shape{4, 96, 27, 27}, 256, 5, conv2), DType::kFloat32);
  REQUIRE(dx.outputs.size() == 1);
  CHECK(dx.outputs[0].shape == Shape{4, 96, 27, 27});
  NodeInfo dw = make_node(grad_case("Conv2DBackpropFilter", Shape{4, 96, 27, 27}, 256, 5, conv2), DType::kFloat64);
  REQUIRE(dw.outputs.size() == 2);
  CHECK(dw.outputs[0].shape == Shape{256, 48, 5, 5});
  CHECK(dw.outputs[1].shape == Shape{256});
  CHECK(dw.outputs[1].dtype == DType::kFloat64);
}

TEST_CASE("Conv2DBackpropInput, Conv2DBackpropFilter: shape errors name the problem") {
  for (const char* op : {"Conv2DBackpropInput", "Conv2DBackpropFilter"}) {
    INFO(op);
    OpCase bad_dy = grad_case(op, Shape{2, 4, 8, 8}, 6, 3, {{"stride", attr_int(2)}});  // dy [2,6,3,3]
    bad_dy.input_shapes[2] = Shape{2, 6, 4, 4};
    CHECK_ERROR(build_error(bad_dy), fmt::format("{} 'node': dy has shape [2,6,4,4], expected the Conv2D's output "
                                                 "shape [2,6,3,3]",
                                                 op));
    OpCase ungrouped = grad_case(op, Shape{2, 4, 8, 8}, 6, 3, {{"groups", attr_int(2)}});
    ungrouped.input_shapes[1] = Shape{6, 4, 3, 3};
    CHECK_ERROR(build_error(ungrouped), "weight has shape [6,4,3,3] but x has 4 channels in 2 groups");
    OpCase groups = grad_case(op, Shape{2, 6, 8, 8}, 6, 3, {{"groups", attr_int(4)}});
    CHECK_ERROR(build_error(groups), "attr 'groups' = 4 does not divide input channels 6");
    OpCase rank = grad_case(op, Shape{2, 4, 8, 8}, 6, 3);
    rank.input_shapes[2] = Shape{2, 6, 36};
    CHECK_ERROR(build_error(rank), "input 'dy' must have rank 4");
    OpCase ints = grad_case(op, Shape{2, 4, 8, 8}, 6, 3);
    ints.input_dtypes = {DType::kInt32, DType::kInt32, DType::kInt32};
    CHECK_ERROR(build_error(ints), "input 0 must be float32 or float64");
    CHECK_ERROR(build_error(grad_case(op, Shape{2, 4, 8, 8}, 6, 3, {{"stride", attr_int(0)}})),
                "attr 'stride' = 0 must be positive");
  }
}

TEST_CASE("Conv2DBackpropInput, Conv2DBackpropFilter: reference values computed by hand") {
  // x = [[1,2,3],[4,5,6],[7,8,9]], w = [[1,2],[3,4]], dy = [[1,10],[100,1000]].
  Tensor x(DType::kFloat64, Shape{1, 1, 3, 3}), w(DType::kFloat64, Shape{1, 1, 2, 2}),
      dy(DType::kFloat64, Shape{1, 1, 2, 2});
  for (int i = 0; i < 9; ++i) x.values<double>()[i] = i + 1;
  for (int i = 0; i < 4; ++i) w.values<double>()[i] = i + 1;
  double dys[] = {1, 10, 100, 1000};
  for (int i = 0; i < 4; ++i) dy.values<double>()[i] = dys[i];
  // dx[r, s] sums dy[i, j] * w[r - i, s - j]: the full correlation.
  NodeInfo input = make_node(grad_case("Conv2DBackpropInput", Shape{1, 1, 3, 3}, 1, 2), DType::kFloat64);
  CHECK(values(run_reference(input, {x, w, dy})[0]) ==
        std::vector<double>{1, 2 + 10, 20, 3 + 100, 4 + 30 + 200 + 1000, 40 + 2000, 300, 400 + 3000, 4000});
  // dw[a, b] sums dy[i, j] * x[i + a, j + b]; dbias sums dy.
  NodeInfo filter = make_node(grad_case("Conv2DBackpropFilter", Shape{1, 1, 3, 3}, 1, 2), DType::kFloat64);
  std::vector<Tensor> dw = run_reference(filter, {x, w, dy});
  CHECK(values(dw[0]) == std::vector<double>{1 + 20 + 400 + 5000, 2 + 30 + 500 + 6000, 4 + 50 + 700 + 8000,
                                             5 + 60 + 800 + 9000});
  CHECK(values(dw[1]) == std::vector<double>{1111});

  // Stride 2 on a 5x5 input: OH = 2 (floor), so row and column 4 are read by no window and get 0;
  // elsewhere each input element is read by exactly one window: dx[r, s] = dy[r/2, s/2] * w[r%2, s%2].
  Tensor x5(DType::kFloat64, Shape{1, 1, 5, 5});
  NodeInfo strided = make_node(grad_case("Conv2DBackpropInput", Shape{1, 1, 5, 5}, 1, 2, {{"stride", attr_int(2)}}),
                               DType::kFloat64);
  std::vector<double> dx = values(run_reference(strided, {x5, w, dy})[0]);
  for (int r = 0; r < 5; ++r)
    for (int s = 0; s < 5; ++s) {
      double want = r < 4 && s < 4 ? dys[(r / 2) * 2 + s / 2] * (1 + (r % 2) * 2 + s % 2) : 0.0;
      CHECK(dx[r * 5 + s] == want);
    }
}

TEST_CASE("Conv2DBackpropInput, Conv2DBackpropFilter: oneDNN against reference") {
  struct Config {
    const char* name;
    Shape x;
    int64_t filters, k;
    Attrs attrs;
  };
  std::vector<Config> configs{
      {"AlexNet conv1: kernel 11, stride 4", Shape{2, 3, 35, 35}, 16, 11, {{"stride", attr_int(4)}}},
      {"AlexNet conv2: groups 2, kernel 5, pad 2", Shape{2, 32, 11, 11}, 64, 5,
       {{"groups", attr_int(2)}, {"pad", attr_int(2)}}},
      {"dilation 2, pad 1, stride 2 (floor)", Shape{1, 4, 12, 10}, 6, 3,
       {{"dilation", attr_int(2)}, {"pad", attr_int(1)}, {"stride", attr_int(2)}}},
      {"1x1", Shape{3, 8, 5, 7}, 12, 1, {}},
      {"groups 4, rectangular pad", Shape{2, 8, 7, 9}, 12, 3, {{"groups", attr_int(4)}, {"pad", attr_ints({1, 0})}}},
      {"AlexNet conv3: kernel 3, pad 1", Shape{2, 64, 13, 13}, 96, 3, {{"pad", attr_int(1)}}},
  };
  for (const Config& config : configs) {
    INFO(config.name);
    for (const char* op : {"Conv2DBackpropInput", "Conv2DBackpropFilter"}) {
      INFO(op);
      CHECK(check_kernels_against_reference(grad_case(op, config.x, config.filters, config.k, config.attrs)) == 1);
    }
  }
}

TEST_CASE("Conv2DBackpropFilter: oneDNN kernel re-reads its inputs on every run") {
  // The kernels reuse their reorder buffers; a second run with new x and dy must not see the first.
  OpCase c = grad_case("Conv2DBackpropFilter", Shape{2, 8, 9, 9}, 16, 3, {{"groups", attr_int(2)}, {"pad", attr_int(1)}});
  NodeInfo node = make_node(c, DType::kFloat32);
  std::vector<Tensor> inputs = make_inputs(c, node);
  std::unique_ptr<OpKernel> kernel = KernelRegistry::global().select(node, "onednn").create(node);
  std::vector<Tensor> outputs(2);
  RunState run;
  KernelContext ctx(node, get_device(node.device), {&inputs[0], &inputs[1], &inputs[2]}, outputs, run);
  for (int step = 0; step < 2; ++step) {
    kernel->compute(ctx);
    std::vector<Tensor> want = run_reference(node, inputs);
    for (int k = 0; k < 2; ++k) {
      INFO("run ", step, " output ", k);
      std::string diff = compare(outputs[k], want[k], c.rtol, c.atol);
      CHECK_MESSAGE(diff.empty(), diff);
    }
    for (float& v : inputs[0].values<float>()) v = 0.5f - v;
    for (float& v : inputs[2].values<float>()) v *= -2.0f;
  }
}

TEST_CASE("Conv2D: gradients against central differences") {
  SUBCASE("groups 2, stride 2, pad 1, with bias") {
    CHECK(check_gradients(conv_case(Shape{2, 4, 6, 6}, 4, 3,
                                    {{"groups", attr_int(2)}, {"stride", attr_int(2)}, {"pad", attr_int(1)}})) == 3);
  }
  SUBCASE("dilation 2, stride 2 that leaves the last row and column unread") {
    CHECK(check_gradients(conv_case(Shape{1, 2, 8, 8}, 3, 2, {{"dilation", attr_int(2)}, {"stride", attr_int(2)}})) ==
          3);
  }
  SUBCASE("no bias, rectangular kernel padding") {
    CHECK(check_gradients(conv_case(Shape{2, 3, 5, 5}, 2, 3, {{"pad", attr_ints({1, 0})}}, false)) == 2);
  }
}

TEST_CASE("Conv2DBackpropInput and Conv2DBackpropFilter: bfloat16 oneDNN kernels against the float32 reference") {
  if (!bfloat16_cpu()) return;
  for (const std::string op : {"Conv2DBackpropInput", "Conv2DBackpropFilter"}) {
    INFO(op);
    CHECK(check_bfloat16_kernels(bfloat16_tolerance(grad_case(op, Shape{2, 5, 9, 9}, 7, 3))) == 1);
    CHECK(check_bfloat16_kernels(bfloat16_tolerance(grad_case(op, Shape{2, 3, 35, 35}, 96, 11, {{"stride", attr_int(4)}}))) == 1);
    CHECK(check_bfloat16_kernels(
              bfloat16_tolerance(grad_case(op, Shape{2, 8, 9, 9}, 16, 3, {{"groups", attr_int(2)}, {"pad", attr_int(1)}}))) == 1);
  }
}

TEST_CASE("Conv2DBackpropFilter: float32 gradients from bfloat16 inputs (float32_gradients)") {
  OpCase c = grad_case("Conv2DBackpropFilter", Shape{2, 16, 9, 9}, 32, 3,
                       {{"pad", attr_int(1)}, {"float32_gradients", attr_bool(true)}});
  NodeInfo node = make_node(c, DType::kBFloat16);
  CHECK(node.outputs[0].dtype == DType::kFloat32);
  CHECK(node.outputs[1].dtype == DType::kFloat32);
  CHECK(make_node(c, DType::kFloat32).outputs[1].dtype == DType::kFloat32);  // a no-op on float32
  CHECK_ERROR(build_error(c, DType::kFloat64), "attr 'float32_gradients' would narrow float64 inputs");
  if (!bfloat16_cpu()) return;
  // grad_case's float32 tolerance, not bfloat16's: the sums are never rounded to 8 bits.
  CHECK(check_bfloat16_kernels(c) == 1);
  CHECK(check_bfloat16_kernels(grad_case("Conv2DBackpropFilter", Shape{2, 32, 9, 9}, 32, 3,
                                         {{"groups", attr_int(2)}, {"float32_gradients", attr_bool(true)}})) == 1);
}
