// GPU tests of MaxPool, MaxPoolGrad, AvgPool, AvgPoolGrad, LRN and LRNGrad: every GPU kernel
// against the CPU reference, float32 and float64. Where cuDNN pools the geometry (floor-sized
// outputs) both its kernel ("cudnn") and the hand kernel ("cuda") are checked; where ceil mode
// adds a window only the hand kernel runs, and the cuDNN kernel refuses it.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>

#include "core/device.h"
#include "ops/lrn/lrn_test_case.h"
#include "ops/max_pool/max_pool_test_inputs.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

struct Geometry {
  Shape x;
  std::vector<int64_t> kernel, stride, pad;
  bool ceil_mode;
  bool cudnn;  // whether cuDNN takes it: the output is the floor rule's
};

// AlexNet's pooling (3x3 stride 2 on 55, 27 and 13; small channel counts), 2x2 stride 2,
// padding, ceil mode where it adds a window and where it does not, a window larger than the input.
const std::vector<Geometry> kGeometries = {
    {Shape{2, 8, 55, 55}, {3, 3}, {2, 2}, {0, 0}, false, true},  // pool1: 27x27
    {Shape{2, 8, 27, 27}, {3, 3}, {2, 2}, {0, 0}, false, true},  // pool2: 13x13
    {Shape{2, 8, 13, 13}, {3, 3}, {2, 2}, {0, 0}, false, true},  // pool5: 6x6
    {Shape{2, 8, 55, 55}, {3, 3}, {2, 2}, {0, 0}, true, true},   // ceil mode, same 27x27
    {Shape{2, 4, 8, 8}, {2, 2}, {}, {0, 0}, false, true},        // 2x2, stride = kernel
    {Shape{1, 3, 13, 13}, {2, 2}, {2, 2}, {0, 0}, true, false},  // ceil mode: 7x7, not 6x6
    {Shape{2, 3, 9, 7}, {3, 3}, {2, 2}, {1, 1}, false, true},    // padding
    {Shape{2, 3, 6, 6}, {3, 3}, {2, 2}, {0, 0}, true, false},    // ceil mode: 3x3, not 2x2
    {Shape{2, 3, 10, 9}, {3, 3}, {2, 2}, {1, 1}, true, false},   // ceil mode and padding: 6x5
    {Shape{2, 3, 5, 5}, {2, 2}, {2, 2}, {1, 1}, true, true},     // ceil mode drops a window: 3x3
    {Shape{1, 5, 9, 7}, {3, 2}, {1, 2}, {1, 1}, false, true},    // rectangular
    {Shape{1, 2, 2, 2}, {3, 3}, {2, 2}, {0, 0}, true, false},    // window larger than the input
};

// MaxPool, AvgPool (with count_include_pad) or their gradients, whose inputs are (dy, x).
OpCase pool_case(const std::string& op, const Geometry& g, bool count_include_pad = true) {
  const bool grad = op.ends_with("Grad");
  OpCase c{.op = grad ? op.substr(0, op.size() - 4) : op, .input_shapes = {g.x}};
  c.attrs = {{"kernel", attr_ints(g.kernel)}, {"pad", attr_ints(g.pad)}, {"ceil_mode", attr_bool(g.ceil_mode)}};
  if (!g.stride.empty()) c.attrs.push_back({"stride", attr_ints(g.stride)});
  if (op.starts_with("Avg")) c.attrs.push_back({"count_include_pad", attr_bool(count_include_pad)});
  if (grad) {
    Shape y = make_node(c, DType::kFloat64).outputs[0].shape;
    c.op = op;
    c.input_shapes = {y, g.x};
  }
  return c;
}

// Checks the GPU kernels of the case on `device`, each in float32 and float64: `kernels` of them
// must take it.
void check_gpu(const OpCase& c, int kernels, const std::string& device = "gpu:0") {
  INFO(c.op, " on ", device, ", x ", c.input_shapes.back().str());
  CHECK(check_device_kernels_against_reference(c, device) == 2 * kernels);
}

// A pooling case: the cuDNN and the hand kernel where cuDNN takes the geometry, else the hand one.
void check_pool(const OpCase& c, const Geometry& g, const std::string& device = "gpu:0") {
  check_gpu(c, g.cudnn ? 2 : 1, device);
}

// The GPU kernel with `label` for the case in float32 (nullptr if none).
const KernelDef* gpu_kernel(const OpCase& c, const std::string& label) {
  for (const KernelDef* k : KernelRegistry::global().find(c.op, DeviceType::kCUDA, DType::kFloat32))
    if (k->label == label) return k;
  return nullptr;
}

// Runs the GPU kernel with `label` on gpu:0 on host inputs; the outputs come back to the host.
std::vector<Tensor> run_gpu(const std::string& label, const OpCase& c, const std::vector<Tensor>& inputs) {
  NodeInfo node = make_node(c, DType::kFloat32, "gpu:0");
  Device& gpu = get_device("gpu:0");
  std::vector<Tensor> on_gpu;
  for (const Tensor& t : inputs) {
    Tensor copy(t.dtype(), t.shape(), gpu.allocator());
    copy.copy_from(t);
    on_gpu.push_back(std::move(copy));
  }
  const KernelDef* kernel = gpu_kernel(c, label);
  REQUIRE(kernel != nullptr);
  std::vector<Tensor> out = run_kernel(*kernel, node, on_gpu);
  gpu.synchronize();
  for (Tensor& t : out) t = t.to_host();
  return out;
}

// lrn_case (lrn_test_case.h) with the tolerance of cuDNN's LRN: the reference sums in double and
// cuDNN in the tensor's type (its float32 pow differs by a few ulps); a wrong window, group or
// alpha / size is off by far more.
OpCase gpu_lrn_case(const std::string& op, Shape x, int64_t size, double alpha, double beta, double bias,
                    int64_t groups) {
  OpCase c = lrn_case(op, std::move(x), size, alpha, beta, bias, groups);
  c.rtol = 1e-4, c.atol = 1e-5;
  return c;
}

}  // namespace

TEST_CASE("cuda: MaxPool and MaxPoolGrad against the reference (AlexNet, 2x2, padding, ceil mode)") {
  for (const Geometry& g : kGeometries) {
    check_pool(pool_case("MaxPool", g), g);
    check_pool(with_distinct_x(pool_case("MaxPoolGrad", g)), g);
  }
  // Padding is -infinity, not 0: with every x negative a padded border window still gives an x.
  OpCase negative = pool_case("MaxPool", {Shape{2, 3, 7, 6}, {3, 3}, {1, 1}, {1, 1}, false, true});
  negative.fill = [](int, Tensor& t) {
    for (int64_t i = 0; i < t.num_elements(); ++i) set(t, i, -1.0 - 0.001 * static_cast<double>(i));
  };
  check_gpu(negative, 2);
  check_pool(pool_case("MaxPool", kGeometries[0]), kGeometries[0], "gpu:1");
  check_pool(with_distinct_x(pool_case("MaxPoolGrad", kGeometries[8])), kGeometries[8], "gpu:1");
}

TEST_CASE("cuda: AvgPool and AvgPoolGrad against the reference (count_include_pad both ways)") {
  for (bool include_pad : {true, false}) {
    for (const Geometry& g : kGeometries) {
      check_pool(pool_case("AvgPool", g, include_pad), g);
      check_pool(pool_case("AvgPoolGrad", g, include_pad), g);
    }
  }
  check_pool(pool_case("AvgPool", kGeometries[6], false), kGeometries[6], "gpu:1");
  check_pool(pool_case("AvgPoolGrad", kGeometries[8], true), kGeometries[8], "gpu:1");
}

TEST_CASE("cuda: the cuDNN pooling kernels run AlexNet's geometry and refuse ceil mode's extra window") {
  const OpCase alexnet = pool_case("MaxPool", kGeometries[0]);
  CHECK(KernelRegistry::global().select(make_node(alexnet, DType::kFloat32, "gpu:0")).label == "cudnn");
  for (const std::string op : {"MaxPool", "MaxPoolGrad", "AvgPool", "AvgPoolGrad"}) {
    const OpCase c = pool_case(op, kGeometries[5]);  // 13x13, 2x2 stride 2, ceil mode
    const KernelDef* cudnn = gpu_kernel(c, "cudnn");
    REQUIRE(cudnn != nullptr);
    const std::string reason = cudnn->supports(make_node(c, DType::kFloat32, "gpu:0"));
    CHECK_MESSAGE(contains(reason, "ceil mode makes the output 7x7, where cuDNN's floor rule gives 6"), reason);
    CHECK(KernelRegistry::global().select(make_node(c, DType::kFloat64, "gpu:0")).label == "cuda");
  }
}

TEST_CASE("cuda: MaxPoolGrad on ties (the hand kernel picks the first maximum; prints cuDNN's choice)") {
  // Four 2x2 windows of equal values: the reference sends each dy to its window's top-left cell.
  const OpCase c = pool_case("MaxPoolGrad", {Shape{1, 1, 4, 4}, {2, 2}, {2, 2}, {0, 0}, false, true});
  Tensor dy(DType::kFloat32, Shape{1, 1, 2, 2}), x(DType::kFloat32, Shape{1, 1, 4, 4});
  for (int64_t i = 0; i < 4; ++i) dy.data<float>()[i] = static_cast<float>(i + 1);
  std::fill(x.data<float>(), x.data<float>() + 16, 0.5f);
  const Tensor want = run_reference(make_node(c, DType::kFloat32), {dy, x})[0];
  const Tensor hand = run_gpu("cuda", c, {dy, x})[0];
  CHECK(compare(hand, want, 0, 0).empty());
  const Tensor cudnn = run_gpu("cudnn", c, {dy, x})[0];
  std::string rows;
  for (int64_t i = 0; i < 16; ++i) rows += fmt::format("{}{}", cudnn.data<float>()[i], i % 4 == 3 ? "; " : " ");
  MESSAGE("cuDNN's MaxPoolGrad on ties, dy 1..4 over 2x2 windows of equal x, gives dx = ", rows,
          compare(cudnn, want, 0, 0).empty() ? "(the first maximum, as the reference)" : "(NOT the reference's)");

  // Inputs full of ties (x in {0, 1, 2}) through AlexNet's overlapping 3x3 stride 2 windows.
  OpCase full = pool_case("MaxPoolGrad", kGeometries[1]);
  full.fill = [](int input, Tensor& t) {  // dy: 1..7; x: 0, 1 or 2
    for (int64_t i = 0; i < t.num_elements(); ++i)
      set(t, i, input == 0 ? 1.0 + static_cast<double>(i % 7) : static_cast<double>((i * 7919) % 3));
  };
  const NodeInfo node = make_node(full, DType::kFloat32);
  const std::vector<Tensor> inputs = make_inputs(full, node);
  CHECK(compare(run_gpu("cuda", full, inputs)[0], run_reference(node, inputs)[0], 0, 0).empty());
}

TEST_CASE("cuda: LRN and LRNGrad against the reference (AlexNet constants, groups, window sizes)") {
  for (const std::string op : {"LRN", "LRNGrad"}) {
    // The AlexNet graph's norm1 / norm2 (alpha 5e-4 = the paper's 1e-4 times 5, k = 2), two groups.
    check_gpu(gpu_lrn_case(op, Shape{2, 16, 27, 27}, 5, 5e-4, 0.75, 2, 2), 1);
    check_gpu(gpu_lrn_case(op, Shape{1, 96, 13, 13}, 5, 5e-4, 0.75, 2, 2), 1);
    // The paper's alpha as the op's alpha, one group.
    check_gpu(gpu_lrn_case(op, Shape{2, 32, 13, 13}, 5, 1e-4, 0.75, 2, 1), 1);
    // A large alpha makes the window matter far beyond the tolerance: sizes 1, 3, 5 and 15,
    // groups narrower than the window (12 channels in 3 groups of 4).
    for (int64_t groups : {1, 2, 3}) {
      check_gpu(gpu_lrn_case(op, Shape{2, 12, 5, 7}, 5, 2.0, 0.75, 1, groups), 1);
      check_gpu(gpu_lrn_case(op, Shape{2, 12, 5, 7}, 3, 2.0, 0.75, 1, groups), 1);
    }
    check_gpu(gpu_lrn_case(op, Shape{1, 7, 3, 3}, 1, 1.5, 0.5, 1.5, 1), 1);
    check_gpu(gpu_lrn_case(op, Shape{1, 20, 4, 3}, 15, 3.0, 0.6, 1, 1), 1);
    check_gpu(gpu_lrn_case(op, Shape{2, 16, 27, 27}, 5, 5e-4, 0.75, 2, 2), 1, "gpu:1");
  }
}

TEST_CASE("cuda: LRN outside cuDNN's limits is refused at load, naming the node and the limit") {
  for (const std::string op : {"LRN", "LRNGrad"}) {
    const std::vector<std::pair<OpCase, std::string>> cases = {
        {gpu_lrn_case(op, Shape{1, 20, 2, 2}, 17, 1e-4, 0.75, 2, 1),
         "size 17 is outside cuDNN's LRN window limits [1, 16]"},
        {gpu_lrn_case(op, Shape{1, 8, 2, 2}, 5, 1e-4, 0.75, 0, 1), "bias 0 is below cuDNN's LRN limit k >= 1e-05"},
        {gpu_lrn_case(op, Shape{1, 8, 2, 2}, 5, 1e-4, 0.001, 2, 1),
         "beta 0.001 is below cuDNN's LRN limit beta >= 0.01"},
    };
    for (const auto& [c, limit] : cases) {
      std::string message;
      try {
        KernelRegistry::global().select(make_node(c, DType::kFloat32, "gpu:0"));
      } catch (const Error& e) {
        message = e.what();
      }
      CHECK_MESSAGE(contains(message, op + " 'node': no kernel for float32 on gpu:0"), message);
      CHECK_MESSAGE(contains(message, limit), message);
    }
  }
}
