#include <doctest/doctest.h>

#include "core/device.h"
#include "core/graph.h"
#include "tests/harness/bfloat16_case.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

using Attrs = std::vector<std::pair<std::string, proto::Attr>>;

// x: Placeholder of `x_shape` -> "conv": Conv2D with only its data input, so the loader creates
// the parameters.
proto::Graph implicit_graph(const Shape& x_shape, const Attrs& attrs) {
  proto::Graph g;
  g.set_name("conv_test");
  proto::Node* x = g.add_node();
  x->set_name("x");
  x->set_op("Placeholder");
  *x->add_attr() = attr_shape(x_shape);
  x->mutable_attr(0)->set_name("shape");
  proto::Node* conv = g.add_node();
  conv->set_name("conv");
  conv->set_op("Conv2D");
  conv->add_input(x->name());
  for (const auto& [name, value] : attrs) {
    proto::Attr* a = conv->add_attr();
    *a = value;
    a->set_name(name);
  }
  return g;
}

std::string implicit_error(const Shape& x_shape, const Attrs& attrs) {
  try {
    build_graph(implicit_graph(x_shape, attrs));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// A case with explicit x, weight and bias inputs of the shapes the attrs imply.
OpCase conv_case(Shape x, int64_t filters, int64_t k, Attrs extra = {}, bool use_bias = true) {
  int64_t groups = 1;
  for (const auto& [name, value] : extra)
    if (name == "groups") groups = value.i();
  Attrs attrs{{"filters", attr_int(filters)}, {"kernel", attr_ints({k, k})}, {"use_bias", attr_bool(use_bias)}};
  attrs.insert(attrs.end(), extra.begin(), extra.end());
  std::vector<Shape> inputs{x, Shape{filters, x[1] / groups, k, k}};
  if (use_bias) inputs.push_back(Shape{filters});
  OpCase c;
  c.op = "Conv2D";
  c.attrs = std::move(attrs);
  c.input_shapes = std::move(inputs);
  c.rtol = 1e-4;  // float32 oneDNN sums in another order than the double-accumulating reference
  c.atol = 1e-4;
  return c;
}

}  // namespace

// A macro so a failure reports the caller's line, with the whole message.
#define CHECK_ERROR(message, part)                                                    \
  do {                                                                                \
    std::string text_ = (message);                                                    \
    CHECK_MESSAGE(text_.find(part) != std::string::npos, "error was: '", text_, "'"); \
  } while (0)

TEST_CASE("Conv2D: implicit parameters become Variables node/weight and node/bias") {
  Graph graph = build_graph(implicit_graph(
      Shape{2, 96, 27, 27},
      {{"filters", attr_int(256)}, {"kernel", attr_int(5)}, {"pad", attr_int(2)}, {"groups", attr_int(2)}}));
  const Node& weight = graph.node("conv/weight");
  const Node& bias = graph.node("conv/bias");
  CHECK(weight.op == "Variable");
  CHECK(weight.implicit);
  CHECK(weight.outputs[0].shape == Shape{256, 48, 5, 5});
  CHECK(weight.attrs.init("init").has_xavier());
  CHECK(bias.outputs[0].shape == Shape{256});
  CHECK(bias.attrs.init("init").has_constant());
  CHECK(bias.attrs.init("init").constant().value() == 0.0);
  const Node& conv = graph.node("conv");
  REQUIRE(conv.inputs.size() == 3);
  CHECK(conv.outputs[0].shape == Shape{2, 256, 27, 27});
  CHECK(conv.outputs[0].dtype == DType::kFloat32);
  // 2 * N * F * OH * OW * (C/groups) * kh * kw, plus one add per output for the bias.
  double outputs = 2.0 * 256 * 27 * 27;
  CHECK(conv.cost.flops == doctest::Approx(2.0 * outputs * 48 * 25 + outputs));

  // use_bias false: no bias Variable; the weight's init follows attr weight_init.
  Graph no_bias = build_graph(implicit_graph(Shape{1, 3, 8, 8}, {{"filters", attr_int(4)},
                                                                 {"kernel", attr_int(3)},
                                                                 {"use_bias", attr_bool(false)},
                                                                 {"weight_init", attr_init_gaussian(0.01)}}));
  CHECK(no_bias.find("conv/bias") == -1);
  CHECK(no_bias.node("conv/weight").attrs.init("init").gaussian().std() == 0.01);
  CHECK(no_bias.node("conv").inputs.size() == 2);
  CHECK(no_bias.node("conv").outputs[0].shape == Shape{1, 4, 6, 6});
}

TEST_CASE("Conv2D: output shapes as PyTorch (AlexNet layers, stride, dilation)") {
  // conv1: 227 -> (227 - 11) / 4 + 1 = 55
  CHECK(make_node(conv_case(Shape{2, 3, 227, 227}, 96, 11, {{"stride", attr_int(4)}}), DType::kFloat32)
            .outputs[0]
            .shape == Shape{2, 96, 55, 55});
  // conv3: pad 1 keeps 13x13
  CHECK(make_node(conv_case(Shape{1, 256, 13, 13}, 384, 3, {{"pad", attr_int(1)}}), DType::kFloat32).outputs[0].shape ==
        Shape{1, 384, 13, 13});
  // floor: (10 + 0 - 3) / 2 + 1 = 4; dilation 2 turns a 3x3 kernel into a 5x5 extent: 10 - 5 + 1 = 6
  CHECK(make_node(conv_case(Shape{1, 1, 10, 10}, 1, 3, {{"stride", attr_int(2)}}), DType::kFloat64).outputs[0].shape ==
        Shape{1, 1, 4, 4});
  CHECK(
      make_node(conv_case(Shape{1, 1, 10, 10}, 1, 3, {{"dilation", attr_int(2)}}), DType::kFloat64).outputs[0].shape ==
      Shape{1, 1, 6, 6});
  // non-square: kernel [3, 1], stride [1, 2], pad [1, 0]
  OpCase rect;
  rect.op = "Conv2D";
  rect.attrs = {{"filters", attr_int(2)},
                {"kernel", attr_ints({3, 1})},
                {"stride", attr_ints({1, 2})},
                {"pad", attr_ints({1, 0})}};
  rect.input_shapes = {Shape{1, 1, 5, 7}, Shape{2, 1, 3, 1}, Shape{2}};
  CHECK(make_node(rect, DType::kFloat32).outputs[0].shape == Shape{1, 2, 5, 4});
}

TEST_CASE("Conv2D: shape and attr errors name the node and the problem") {
  Attrs base{{"filters", attr_int(8)}, {"kernel", attr_int(3)}};
  CHECK_ERROR(implicit_error(Shape{3, 32, 32}, base), "Conv2D 'conv': input 'x' must have rank 4");
  OpCase rank3 = conv_case(Shape{1, 3, 32, 32}, 8, 3);
  rank3.input_shapes[0] = Shape{3, 32, 32};
  CHECK_ERROR(build_error(rank3), "Conv2D 'node': input 'x' must have rank 4");
  CHECK_ERROR(implicit_error(Shape{1, 96, 27, 27},
                             {{"filters", attr_int(100)}, {"kernel", attr_int(3)}, {"groups", attr_int(5)}}),
              "Conv2D 'conv': attr 'groups' = 5 does not divide input channels 96");
  CHECK_ERROR(implicit_error(Shape{1, 96, 27, 27},
                             {{"filters", attr_int(64)}, {"kernel", attr_int(3)}, {"groups", attr_int(5)}}),
              "does not divide input channels 96");  // channels are checked first
  CHECK_ERROR(implicit_error(Shape{1, 96, 27, 27},
                             {{"filters", attr_int(100)}, {"kernel", attr_int(3)}, {"groups", attr_int(8)}}),
              "Conv2D 'conv': attr 'groups' = 8 does not divide attr 'filters' = 100");
  CHECK_ERROR(implicit_error(Shape{1, 3, 5, 5}, {{"filters", attr_int(8)}, {"kernel", attr_int(11)}}),
              "Conv2D 'conv': kernel 11x11 does not fit input 5x5");
  // dilation 3 gives a 3x3 kernel a 7x7 extent; pad 1 makes the input 7x7 wide: fits exactly.
  CHECK(implicit_error(
            Shape{1, 3, 5, 5},
            {{"filters", attr_int(8)}, {"kernel", attr_int(3)}, {"dilation", attr_int(3)}, {"pad", attr_int(1)}})
            .empty());
  CHECK_ERROR(
      implicit_error(Shape{1, 3, 5, 5}, {{"filters", attr_int(8)}, {"kernel", attr_int(3)}, {"dilation", attr_int(3)}}),
      "kernel 3x3 does not fit input 5x5");

  // Explicit parameters of the wrong shape.
  OpCase bad_weight = conv_case(Shape{1, 4, 8, 8}, 6, 3, {{"groups", attr_int(2)}});
  bad_weight.input_shapes[1] = Shape{6, 4, 3, 3};  // ungrouped shape given to a grouped conv
  CHECK_ERROR(build_error(bad_weight), "Conv2D 'node': weight (input 1) has shape [6,4,3,3], expected [6,2,3,3]");
  OpCase bad_bias = conv_case(Shape{1, 4, 8, 8}, 6, 3);
  bad_bias.input_shapes[2] = Shape{4};
  CHECK_ERROR(build_error(bad_bias), "Conv2D 'node': bias (input 2) has shape [4], expected [6]");

  // Integer input; parameters of another dtype than x.
  OpCase ints = conv_case(Shape{1, 3, 8, 8}, 4, 3);
  ints.input_dtypes = {DType::kInt32, DType::kInt32, DType::kInt32};
  CHECK_ERROR(build_error(ints), "Conv2D 'node': input 0 must be float32 or float64");
  OpCase mixed = conv_case(Shape{1, 3, 8, 8}, 4, 3);
  mixed.input_dtypes = {DType::kFloat32, DType::kFloat64, DType::kFloat32};
  CHECK_ERROR(build_error(mixed), "Conv2D 'node': input 1 is float64 but input 0 is float32");

  // Attr checks from the declaration; with use_bias false the node takes x and weight only.
  CHECK_ERROR(implicit_error(Shape{1, 3, 8, 8}, {{"kernel", attr_int(3)}}), "missing required attr 'filters'");
  CHECK_ERROR(implicit_error(Shape{1, 3, 8, 8}, {{"filters", attr_int(0)}, {"kernel", attr_int(3)}}),
              "attr 'filters' = 0 must be positive");
  CHECK_ERROR(
      implicit_error(Shape{1, 3, 8, 8}, {{"filters", attr_int(4)}, {"kernel", attr_int(3)}, {"pad", attr_int(-1)}}),
      "attr 'pad' = -1 must be >= 0");
  CHECK_ERROR(implicit_error(Shape{1, 3, 8, 8},
                             {{"filters", attr_int(4)}, {"kernel", attr_int(3)}, {"stride", attr_ints({0, 1})}}),
              "attr 'stride' = [0,1] must be positive");
  CHECK_ERROR(implicit_error(Shape{1, 3, 8, 8}, {{"filters", attr_int(4)}, {"kernel", attr_ints({3, 3, 3})}}),
              "attr 'kernel' needs 2 values");
  OpCase bias_given = conv_case(Shape{1, 3, 8, 8}, 4, 3);  // x, weight, bias
  for (auto& [name, value] : bias_given.attrs)
    if (name == "use_bias") value = attr_bool(false);
  CHECK_ERROR(build_error(bias_given), "or 2 with its parameters (x, weight), got 3");
}

TEST_CASE("Conv2D: reference values computed by hand") {
  // x = [[1,2,3],[4,5,6],[7,8,9]], w = [[1,2],[3,4]], bias 0.5.
  auto run = [](Attrs extra, Shape out) {
    OpCase c = conv_case(Shape{1, 1, 3, 3}, 1, 2, extra);
    NodeInfo node = make_node(c, DType::kFloat64);
    REQUIRE(node.outputs[0].shape == out);
    Tensor x(DType::kFloat64, Shape{1, 1, 3, 3}), w(DType::kFloat64, Shape{1, 1, 2, 2}), b(DType::kFloat64, Shape{1});
    for (int i = 0; i < 9; ++i) x.values<double>()[i] = i + 1;
    for (int i = 0; i < 4; ++i) w.values<double>()[i] = i + 1;
    b.values<double>()[0] = 0.5;
    Tensor y = run_reference(node, {x, w, b})[0];
    return std::vector<double>(y.values<double>().begin(), y.values<double>().end());
  };
  // 1*1 + 2*2 + 3*4 + 4*5 = 37, then 47, 67, 77.
  CHECK(run({}, Shape{1, 1, 2, 2}) == std::vector<double>{37.5, 47.5, 67.5, 77.5});
  // pad 1, stride 2: windows at rows/cols {-1,0} and {1,2}; padding contributes zeros.
  // y00 = 1*4; y01 = 2*3 + 3*4; y10 = 4*2 + 7*4; y11 = 5 + 12 + 24 + 36.
  CHECK(run({{"pad", attr_int(1)}, {"stride", attr_int(2)}}, Shape{1, 1, 2, 2}) ==
        std::vector<double>{4.5, 18.5, 36.5, 77.5});
  // dilation 2: the one window reads the corners 1, 3, 7, 9.
  CHECK(run({{"dilation", attr_int(2)}}, Shape{1, 1, 1, 1}) == std::vector<double>{1 + 6 + 21 + 36 + 0.5});

  // Groups: 4 input channels, 2 groups, 2 filters of 1x1: filter f sees only channels 2f, 2f+1.
  OpCase grouped = conv_case(Shape{1, 4, 1, 1}, 2, 1, {{"groups", attr_int(2)}}, false);
  NodeInfo node = make_node(grouped, DType::kFloat64);
  Tensor x(DType::kFloat64, Shape{1, 4, 1, 1}), w(DType::kFloat64, Shape{2, 2, 1, 1});
  for (int i = 0; i < 4; ++i) x.values<double>()[i] = i + 1;           // 1, 2, 3, 4
  for (int i = 0; i < 4; ++i) w.values<double>()[i] = 10.0 * (i + 1);  // 10, 20 | 30, 40
  Tensor y = run_reference(node, {x, w})[0];
  CHECK(y.values<double>()[0] == 1 * 10 + 2 * 20);
  CHECK(y.values<double>()[1] == 3 * 30 + 4 * 40);
}

TEST_CASE("Conv2D: oneDNN against reference") {
  SUBCASE("plain 3x3") { CHECK(check_kernels_against_reference(conv_case(Shape{2, 5, 9, 9}, 7, 3)) == 1); }
  SUBCASE("AlexNet conv1 shape: kernel 11, stride 4, pad 0") {
    CHECK(check_kernels_against_reference(conv_case(Shape{2, 3, 35, 35}, 96, 11, {{"stride", attr_int(4)}})) == 1);
  }
  SUBCASE("AlexNet conv2 shape: groups 2, kernel 5, pad 2") {
    CHECK(check_kernels_against_reference(
              conv_case(Shape{2, 32, 11, 11}, 64, 5, {{"groups", attr_int(2)}, {"pad", attr_int(2)}})) == 1);
  }
  SUBCASE("dilation 2, pad 1, stride 2 (floor)") {
    CHECK(check_kernels_against_reference(conv_case(
              Shape{1, 4, 12, 10}, 6, 3, {{"dilation", attr_int(2)}, {"pad", attr_int(1)}, {"stride", attr_int(2)}})) ==
          1);
  }
  SUBCASE("no bias, groups 4, rectangular pad") {
    CHECK(check_kernels_against_reference(
              conv_case(Shape{3, 8, 7, 9}, 12, 3, {{"groups", attr_int(4)}, {"pad", attr_ints({1, 0})}}, false)) == 1);
  }
  SUBCASE("depthwise") {
    CHECK(check_kernels_against_reference(
              conv_case(Shape{1, 16, 6, 6}, 16, 3, {{"groups", attr_int(16)}, {"pad", attr_int(1)}})) == 1);
  }
}

TEST_CASE("Conv2D: oneDNN kernel re-reads weights updated in place between runs") {
  // Training updates a Variable's buffer in place; a kernel that kept its first reordered copy
  // of the weights would go on computing with stale ones.
  OpCase c = conv_case(Shape{2, 8, 9, 9}, 16, 3, {{"groups", attr_int(2)}, {"pad", attr_int(1)}});
  NodeInfo node = make_node(c, DType::kFloat32);
  std::vector<Tensor> inputs = make_inputs(c, node);
  const KernelDef& onednn = KernelRegistry::global().select(node, "onednn");
  std::unique_ptr<OpKernel> kernel = onednn.create(node);
  std::vector<Tensor> outputs(1);
  RunState run;
  KernelContext ctx(node, get_device(node.device), {&inputs[0], &inputs[1], &inputs[2]}, outputs, run);
  for (int step = 0; step < 2; ++step) {
    kernel->compute(ctx);
    Tensor want = run_reference(node, inputs)[0];
    INFO("run ", step);
    std::string diff = compare(outputs[0], want, c.rtol, c.atol);
    CHECK_MESSAGE(diff.empty(), diff);
    for (float& v : inputs[1].values<float>()) v = 0.5f - v;  // new weights, same buffer
    for (float& v : inputs[2].values<float>()) v += 1.0f;
  }
}

TEST_CASE("Conv2D: bfloat16 oneDNN kernel against the float32 reference") {
  if (!bfloat16_cpu()) return;
  CHECK(check_bfloat16_kernels(bfloat16_tolerance(conv_case(Shape{2, 5, 9, 9}, 7, 3))) == 1);
  CHECK(check_bfloat16_kernels(bfloat16_tolerance(conv_case(Shape{2, 3, 35, 35}, 96, 11, {{"stride", attr_int(4)}}))) == 1);
  CHECK(check_bfloat16_kernels(
            bfloat16_tolerance(conv_case(Shape{2, 8, 9, 9}, 16, 3, {{"groups", attr_int(2)}, {"pad", attr_int(1)}}))) == 1);
  CHECK(check_bfloat16_kernels(bfloat16_tolerance(conv_case(Shape{2, 5, 9, 9}, 7, 3, {}, false))) == 1);
}

// Conv2DRelu (made by runtime/passes/fuse_activations.h): the same convolution with max(y, 0)
// applied, the oneDNN post-op against the reference, in float32 and bfloat16.
namespace {
OpCase conv_relu_case(OpCase c) {
  c.op = "Conv2DRelu";
  return c;
}
}  // namespace

TEST_CASE("Conv2DRelu: the reference is Conv2D's output with its negative values zeroed") {
  OpCase plain = conv_case(Shape{2, 5, 9, 9}, 7, 3, {{"pad", attr_int(1)}});
  NodeInfo conv = make_node(plain, DType::kFloat64), fused = make_node(conv_relu_case(plain), DType::kFloat64);
  CHECK(fused.outputs[0].shape == conv.outputs[0].shape);
  std::vector<Tensor> inputs = make_inputs(plain, conv);
  Tensor y = run_reference(conv, inputs)[0], relu = run_reference(fused, inputs)[0];
  int negative = 0;
  for (int64_t i = 0; i < y.num_elements(); ++i) {
    const double v = y.values<double>()[i];
    negative += v < 0;
    CHECK(relu.values<double>()[i] == (v < 0 ? 0.0 : v));
  }
  CHECK(negative > 0);  // the inputs reach both sides of the kink
  CHECK(negative < y.num_elements());
}

TEST_CASE("Conv2DRelu: oneDNN (ReLU as a post-op) against reference") {
  CHECK(check_kernels_against_reference(conv_relu_case(conv_case(Shape{2, 5, 9, 9}, 7, 3))) == 1);
  CHECK(check_kernels_against_reference(
            conv_relu_case(conv_case(Shape{2, 32, 11, 11}, 64, 5, {{"groups", attr_int(2)}, {"pad", attr_int(2)}}))) == 1);
  CHECK(check_kernels_against_reference(conv_relu_case(conv_case(Shape{3, 8, 7, 9}, 16, 3, {}, false))) == 1);
  if (!bfloat16_cpu()) return;
  CHECK(check_bfloat16_kernels(bfloat16_tolerance(conv_relu_case(conv_case(Shape{2, 5, 9, 9}, 7, 3)))) == 1);
}
