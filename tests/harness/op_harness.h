// The op test harness (DESIGN.md): keeps each op's test short. An OpCase names an op, its attrs
// and input shapes; the harness builds the node through the real loader (so attr checks and
// shape inference are those users get), feeds deterministic random inputs, and compares every
// registered kernel with the reference kernel: |got - ref| <= atol + rtol * |ref|, printing the
// first mismatches.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/graph.h"
#include "core/kernel_registry.h"
#include "core/tensor.h"

namespace graphrun::testing {

struct OpCase {
  std::string op;
  std::vector<std::pair<std::string, proto::Attr>> attrs;
  std::vector<Shape> input_shapes;
  // dtype of each input; empty means all take the dtype under test. Use for labels (int64).
  std::vector<DType> input_dtypes;
  // Fills input k; default uniform(-1, 1) for floats. Use for labels or to avoid kinks.
  std::function<void(int input, Tensor& tensor)> fill;
  double rtol = 1e-5;
  double atol = 1e-6;
  uint64_t seed = 1;
  // Gradient check: central differences of sum_j(w_j * y_j) in float64 with this step; kernels
  // run in training mode when `training` (Dropout's mask is then the same forward and back).
  double grad_step = 1e-6;
  double grad_rtol = 1e-5;
  double grad_atol = 1e-7;
  bool training = false;
};

// The node as the loader builds it for `dtype` (inputs are Placeholders named in0, in1, ...).
NodeInfo make_node(const OpCase& c, DType dtype, const std::string& device = "cpu:0");
// Deterministic inputs for the case.
std::vector<Tensor> make_inputs(const OpCase& c, const NodeInfo& node);
// Runs one kernel on the inputs and returns its outputs.
std::vector<Tensor> run_kernel(const KernelDef& kernel, const NodeInfo& node, const std::vector<Tensor>& inputs,
                               bool training = false, uint64_t seed = 0, int64_t step = 0);
// Runs the reference kernel of node's dtype.
std::vector<Tensor> run_reference(const NodeInfo& node, const std::vector<Tensor>& inputs, bool training = false);

// "" if every element is within tolerance, else a description of the first mismatches.
std::string compare(const Tensor& got, const Tensor& want, double rtol, double atol);

// Every kernel for the op (each device type with a device here, float32 and float64) against
// the reference kernel; returns how many kernels were compared besides the reference.
int check_kernels_against_reference(const OpCase& c);

// Every kernel for the op on `device` ("gpu:0"), float32 and float64, against the CPU reference
// kernel: the inputs are copied into the device's memory first (as the executor's transfers give
// them to a GPU kernel) and the outputs back. Kernels run in training mode when c.training, with
// one seed and step for both sides (Dropout's masks must agree). Returns how many were compared.
int check_device_kernels_against_reference(const OpCase& c, const std::string& device);

// Checks the op's gradient function end to end in float64: the backward nodes it adds, run by
// the executor, against central differences of sum_j(w_j * y_j) with fixed random w_j. Every
// float input not in OpDef::no_gradient is checked. Returns how many inputs were checked.
int check_gradients(const OpCase& c);

// Small helpers the op tests share.
inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
// A float64 tensor with the given values (row-major).
Tensor tensor_of(Shape shape, std::vector<double> values);

// The loader's error for this case, or "" if it builds. For shape and attr error tests.
std::string build_error(const OpCase& c, DType dtype = DType::kFloat32);

}  // namespace graphrun::testing
