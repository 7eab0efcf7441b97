#include "tests/harness/op_harness.h"

#include <doctest/doctest.h>

#include <set>

namespace graphrun::testing {

namespace {

// Checks every comparison; returns how many kernels (per dtype) or inputs they covered.
int check_all(const std::vector<opcheck::Comparison>& results) {
  std::set<std::string> covered;
  for (const auto& r : results) {
    INFO(r.what);
    CHECK_MESSAGE(r.ok(), r.diff);
    covered.insert(r.what.substr(0, r.what.rfind(" output ")));
  }
  return static_cast<int>(covered.size());
}

}  // namespace

int check_kernels_against_reference(const OpCase& c) { return check_all(opcheck::compare_kernels(c, "cpu:0")); }

int check_device_kernels_against_reference(const OpCase& c, const std::string& device) {
  return check_all(opcheck::compare_kernels(c, device, {.training = c.training, .seed = 11, .step = 3}));
}

int check_bfloat16_kernels(const OpCase& c) { return check_all(opcheck::compare_bfloat16_kernels(c)); }

int check_gradients(const OpCase& c) {
  std::vector<opcheck::Comparison> results = opcheck::compare_gradients(c);
  for (const auto& r : results) {
    INFO(r.what);
    REQUIRE_MESSAGE(!r.diff.starts_with("the gradient function gave no gradient"), r.diff);
  }
  return check_all(results);
}

Tensor tensor_of(Shape shape, std::vector<double> values) {
  Tensor t(DType::kFloat64, std::move(shape));
  GR_CHECK(static_cast<int64_t>(values.size()) == t.num_elements(), "{} values for shape {}", values.size(),
           t.shape().str());
  std::copy(values.begin(), values.end(), t.data<double>());
  return t;
}

}  // namespace graphrun::testing
