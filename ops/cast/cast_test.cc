#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "tests/harness/bfloat16_case.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

TEST_CASE("bfloat16: rounds to nearest, ties to even, keeps NaN and infinity") {
  CHECK(bfloat16(1.0f).bits == 0x3f80);
  CHECK(static_cast<float>(bfloat16(-2.5f)) == -2.5f);
  // bfloat16's spacing at 1 is 2^-7: 1 + 2^-8 is half-way, to the even 1; 1 + 3*2^-8 half-way
  // too, to the even 1 + 2^-6; just past half-way goes up.
  CHECK(static_cast<float>(bfloat16(1.0f + std::ldexp(1.0f, -8))) == 1.0f);
  CHECK(static_cast<float>(bfloat16(1.0f + 3 * std::ldexp(1.0f, -8))) == 1.0f + std::ldexp(1.0f, -6));
  CHECK(static_cast<float>(bfloat16(1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -20))) == 1.0f + std::ldexp(1.0f, -7));
  CHECK(std::isnan(static_cast<float>(bfloat16(std::numeric_limits<float>::quiet_NaN()))));
  CHECK(std::isinf(static_cast<float>(bfloat16(std::numeric_limits<float>::infinity()))));
  CHECK(std::isinf(static_cast<float>(bfloat16(std::numeric_limits<float>::max()))));  // past bf16's largest
  CHECK(dtype_size(DType::kBFloat16) == 2);
  CHECK(parse_dtype("bfloat16") == DType::kBFloat16);
}

TEST_CASE("Cast: float32 to bfloat16 and back loses the low mantissa bits only") {
  OpCase to_bf16{.op = "Cast", .attrs = {{"to", attr_dtype(DType::kBFloat16)}}, .input_shapes = {Shape{2, 50000}}};
  NodeInfo node = make_node(to_bf16, DType::kFloat32);
  REQUIRE(node.outputs[0].dtype == DType::kBFloat16);
  CHECK(node.outputs[0].shape == Shape{2, 50000});
  Tensor x = make_inputs(to_bf16, node)[0];
  Tensor y = run_reference(node, {x})[0];
  REQUIRE(y.dtype() == DType::kBFloat16);
  OpCase back{.op = "Cast", .attrs = {{"to", attr_dtype(DType::kFloat32)}}, .input_shapes = {Shape{2, 50000}},
              .input_dtypes = {DType::kBFloat16}};
  Tensor z = run_reference(make_node(back, DType::kBFloat16), {y})[0];
  REQUIRE(z.dtype() == DType::kFloat32);
  for (int64_t i = 0; i < x.num_elements(); ++i) {
    const float want = x.data<float>()[i], got = z.data<float>()[i];
    REQUIRE(std::abs(got - want) <= std::abs(want) * std::ldexp(1.0f, -8));  // half of bf16's 2^-7 spacing
    REQUIRE(got == static_cast<float>(bfloat16(want)));
  }
}

TEST_CASE("Cast: integer types are refused by name") {
  OpCase c{.op = "Cast", .attrs = {{"to", attr_dtype(DType::kInt64)}}, .input_shapes = {Shape{3}}};
  CHECK(contains(build_error(c), "Cast 'node': attr 'to' must be float32, float64 or bfloat16, got int64"));
}

TEST_CASE("Cast: the gradient casts dy back to the input's dtype") {
  OpCase c{.op = "Cast", .attrs = {{"to", attr_dtype(DType::kFloat64)}}, .input_shapes = {Shape{3, 4}}};
  CHECK(check_gradients(c) == 1);
}

TEST_CASE("Cast: the oneDNN reorder rounds as the reference does, both ways") {
  for (DType to : {DType::kBFloat16, DType::kFloat32}) {
    // float32 -> bfloat16 (and float32 -> float32) against the reference, exactly.
    OpCase c{.op = "Cast", .attrs = {{"to", attr_dtype(to)}}, .input_shapes = {Shape{3, 1000, 7}}, .rtol = 0, .atol = 0};
    CHECK(check_kernels_against_reference(c) == 1);
    // bfloat16 -> float32 (and bfloat16 -> bfloat16), exactly: widening loses nothing. Both the
    // oneDNN kernel and the reference loop take bfloat16 input.
    if (bfloat16_cpu()) CHECK(check_bfloat16_kernels(c) == 2);
  }
}
