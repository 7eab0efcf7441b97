// GPU tests of Dense (cuBLAS), Softmax and SoftmaxCrossEntropy with their gradients: every CUDA
// kernel against the CPU reference in float32 and float64, on gpu:0 and gpu:1, at AlexNet's
// sizes (fc6 input 9216, fc7 4096, 1000 classes at batch 128) and small odd ones.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "core/precision.h"
#include "tests/harness/precision_scope.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

OpCase dense(int64_t batch, int64_t in, int64_t units, bool use_bias = true) {
  // A float32 dot product of length `in` adds `in` rounding errors of the partial sums (|sum| of
  // uniform(-1, 1) products grows like sqrt(in) / 3): atol scales with the length.
  return OpCase{.op = "Dense",
                .attrs = {{"units", attr_int(units)}, {"use_bias", attr_bool(use_bias)}},
                .input_shapes = {Shape{batch, in}},
                .rtol = 1e-4,
                .atol = in > 1000 ? 1e-3 : 1e-4};
}

OpCase backprop(const std::string& op, int64_t batch, int64_t in, int64_t units) {
  return OpCase{.op = op,
                .input_shapes = {Shape{batch, in}, Shape{units, in}, Shape{batch, units}},
                .rtol = 1e-4,
                .atol = std::max(batch, units) > 1000 ? 1e-3 : 1e-4};
}

OpCase softmax(const std::string& op, Shape shape, int64_t axis) {
  std::vector<Shape> shapes(op == "Softmax" ? 1 : 2, shape);
  return OpCase{.op = op, .attrs = {{"axis", attr_int(axis)}}, .input_shapes = shapes, .rtol = 1e-4, .atol = 1e-6};
}

// Logits 2 sin(1.7 i + 0.3) (+ `offset`), label n = (3n + 1) mod classes, dloss 1.7.
OpCase xent(const std::string& op, int64_t batch, int64_t classes, double offset = 0) {
  std::vector<Shape> shapes{Shape{batch, classes}, Shape{batch}};
  if (op == "SoftmaxCrossEntropyGrad") shapes.push_back(Shape{});
  OpCase c{.op = op, .input_shapes = shapes, .rtol = 1e-4, .atol = 1e-6};
  c.fill = [classes, offset](int k, Tensor& t) {
    for (int64_t i = 0; i < t.num_elements(); ++i) {
      double logit = k == 2 ? 1.7 : offset + 2 * std::sin(1.7 * static_cast<double>(i) + 0.3);
      int64_t label = (3 * i + 1) % classes;
      switch (t.dtype()) {
        case DType::kFloat32: t.data<float>()[i] = static_cast<float>(logit); break;
        case DType::kFloat64: t.data<double>()[i] = logit; break;
        case DType::kInt32: t.data<int32_t>()[i] = static_cast<int32_t>(label); break;
        case DType::kInt64: t.data<int64_t>()[i] = label; break;
        default: FAIL("unexpected dtype");
      }
    }
  };
  return c;
}

// The harness gives an input the dtype under test only when OpCase::input_dtypes is empty;
// the labels need theirs, so each logits dtype is a case of its own (and both passes of the
// harness's dtype loop check it: 2 per dtype, 4 in all).
int check_xent(OpCase c, DType labels, const std::string& device) {
  int compared = 0;
  for (DType logits : {DType::kFloat32, DType::kFloat64}) {
    c.input_dtypes = {logits, labels};
    if (c.input_shapes.size() == 3) c.input_dtypes.push_back(logits);  // dloss
    compared += check_device_kernels_against_reference(c, device);
  }
  return compared;
}

}  // namespace

TEST_CASE("cuda: Dense against the reference (bias, no bias, batch 1, AlexNet's fc sizes)") {
  CHECK(check_device_kernels_against_reference(dense(5, 300, 37), "gpu:0") == 2);
  CHECK(check_device_kernels_against_reference(dense(5, 300, 37, false), "gpu:0") == 2);
  CHECK(check_device_kernels_against_reference(dense(1, 9, 1), "gpu:0") == 2);
  CHECK(check_device_kernels_against_reference(dense(1, 300, 37, false), "gpu:0") == 2);
  CHECK(check_device_kernels_against_reference(dense(4, 9216, 256), "gpu:0") == 2);  // fc6 at batch 4, 256 units
  CHECK(check_device_kernels_against_reference(dense(128, 4096, 1000), "gpu:0") == 2);  // fc8
  CHECK(check_device_kernels_against_reference(dense(3, 50, 17), "gpu:1") == 2);
  CHECK(check_device_kernels_against_reference(dense(3, 50, 17, false), "gpu:1") == 2);
}

TEST_CASE("cuda: DenseBackpropInput and DenseBackpropWeight against the reference") {
  for (const char* op : {"DenseBackpropInput", "DenseBackpropWeight"}) {
    INFO(std::string(op));
    CHECK(check_device_kernels_against_reference(backprop(op, 5, 300, 37), "gpu:0") == 2);
    CHECK(check_device_kernels_against_reference(backprop(op, 1, 9, 1), "gpu:0") == 2);
    CHECK(check_device_kernels_against_reference(backprop(op, 4, 9216, 256), "gpu:0") == 2);
    CHECK(check_device_kernels_against_reference(backprop(op, 128, 4096, 1000), "gpu:0") == 2);
    CHECK(check_device_kernels_against_reference(backprop(op, 3, 50, 17), "gpu:1") == 2);
  }
}

TEST_CASE("cuda: Dense and its gradients under --precision tf32") {
  // TF32 keeps 10 mantissa bits of each factor: relative errors near 1e-3 per product, about
  // 0.01 absolute over fc6's 9216 products of outputs whose size is about 30.
  PrecisionScope tf32(MathPrecision::kTF32);
  OpCase forward = dense(4, 9216, 256);
  forward.rtol = 1e-2, forward.atol = 0.1;
  CHECK(check_device_kernels_against_reference(forward, "gpu:0") == 2);
  for (const char* op : {"DenseBackpropInput", "DenseBackpropWeight"}) {
    INFO(std::string(op));
    OpCase c = backprop(op, 16, 2000, 300);
    c.rtol = 1e-2, c.atol = 0.1;
    CHECK(check_device_kernels_against_reference(c, "gpu:0") == 2);
  }
}

TEST_CASE("cuda: Softmax and SoftmaxGrad along the last, a middle and the first axis") {
  for (const char* op : {"Softmax", "SoftmaxGrad"}) {
    INFO(std::string(op));
    CHECK(check_device_kernels_against_reference(softmax(op, Shape{128, 1000}, -1), "gpu:0") == 2);  // AlexNet
    CHECK(check_device_kernels_against_reference(softmax(op, Shape{4, 7, 5}, 1), "gpu:0") == 2);
    CHECK(check_device_kernels_against_reference(softmax(op, Shape{4, 7, 5}, -1), "gpu:0") == 2);
    CHECK(check_device_kernels_against_reference(softmax(op, Shape{9, 4}, 0), "gpu:0") == 2);
    CHECK(check_device_kernels_against_reference(softmax(op, Shape{3, 5000}, 1), "gpu:0") == 2);  // > 1 element/thread
    CHECK(check_device_kernels_against_reference(softmax(op, Shape{2, 1}, -1), "gpu:0") == 2);
    CHECK(check_device_kernels_against_reference(softmax(op, Shape{6, 33}, -1), "gpu:1") == 2);
  }
  // Logits near 1000: exp would overflow without subtracting the max.
  OpCase large = softmax("Softmax", Shape{8, 100}, -1);
  large.fill = [](int, Tensor& t) {
    for (int64_t i = 0; i < t.num_elements(); ++i) {
      double v = 1000 + std::cos(0.37 * static_cast<double>(i));
      if (t.dtype() == DType::kFloat32) t.data<float>()[i] = static_cast<float>(v);
      if (t.dtype() == DType::kFloat64) t.data<double>()[i] = v;
    }
  };
  CHECK(check_device_kernels_against_reference(large, "gpu:0") == 2);
}

TEST_CASE("cuda: SoftmaxCrossEntropy and SoftmaxCrossEntropyGrad, int32 and int64 labels") {
  for (const char* op : {"SoftmaxCrossEntropy", "SoftmaxCrossEntropyGrad"}) {
    INFO(std::string(op));
    for (DType labels : {DType::kInt32, DType::kInt64}) {
      INFO(dtype_name(labels));
      CHECK(check_xent(xent(op, 8, 10), labels, "gpu:0") == 4);
      CHECK(check_xent(xent(op, 128, 1000), labels, "gpu:0") == 4);  // AlexNet's loss
    }
    CHECK(check_xent(xent(op, 3, 3, 1000), DType::kInt64, "gpu:0") == 4);  // large logits
    CHECK(check_xent(xent(op, 5, 77), DType::kInt32, "gpu:1") == 4);
  }
}

TEST_CASE("cuda: SoftmaxCrossEntropy with an out-of-range label gives NaN, not a crash") {
  // The reference raises an Error; the GPU kernels cannot, so the loss and that sample's dlogits
  // are NaN (softmax_cross_entropy_cuda.h), and the probabilities are unaffected.
  Device& gpu = get_device("gpu:0");
  for (int64_t bad : {int64_t{-1}, int64_t{10}}) {
    INFO("label ", bad);
    for (const char* op : {"SoftmaxCrossEntropy", "SoftmaxCrossEntropyGrad"}) {
      INFO(std::string(op));
      OpCase c = xent(op, 4, 10);
      c.input_dtypes = {DType::kFloat32, DType::kInt64, DType::kFloat32};
      c.input_dtypes.resize(c.input_shapes.size());
      NodeInfo node = make_node(c, DType::kFloat32, "gpu:0");
      std::vector<Tensor> inputs = make_inputs(c, node);
      inputs[1].data<int64_t>()[2] = bad;
      for (Tensor& t : inputs) {
        Tensor on_gpu(t.dtype(), t.shape(), gpu.allocator());
        on_gpu.copy_from(t);
        t = std::move(on_gpu);
      }
      std::vector<Tensor> out = run_kernel(KernelRegistry::global().select(node, "cuda"), node, inputs);
      gpu.synchronize();
      Tensor first = out[0].to_host();
      if (std::string(op) == "SoftmaxCrossEntropy") {
        CHECK(std::isnan(first.value_as_double(0)));
        Tensor probs = out[1].to_host();
        double row_sum = 0;
        for (int64_t c2 = 0; c2 < 10; ++c2) row_sum += probs.value_as_double(2 * 10 + c2);
        CHECK(row_sum == doctest::Approx(1.0).epsilon(1e-5));
      } else {
        CHECK(std::isnan(first.value_as_double(2 * 10)));
        CHECK(std::isfinite(first.value_as_double(0)));
      }
    }
  }
}
