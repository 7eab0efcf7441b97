// Checking one op the way graphrun's own op tests do, as a library: the node built through the
// real loader (attr checks, defaults and the shape function are the ones users get), every
// kernel against the CPU reference kernel on deterministic random inputs (|got - ref| <= atol +
// rtol * |ref|, the first mismatches listed), and the gradient function end to end against
// float64 central differences of sum_j(w_j * y_j) with fixed random w_j. The op test harness
// (tests/harness) wraps these results in doctest checks; `graphrun check-op` prints them, so a
// plugin author tests an op with exactly what graphrun tests its own ops with.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/graph.h"
#include "core/kernel_registry.h"
#include "core/tensor.h"

namespace graphrun::opcheck {

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

// One comparison: what was compared, and "" when it agreed, else the first mismatches (or the
// error that stopped it).
struct Comparison {
  std::string what;
  std::string diff;
  bool ok() const { return diff.empty(); }
};

// The case as a graph: Placeholders in0, in1, ... feeding node "node".
proto::Graph case_graph(const OpCase& c, DType dtype);
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

struct KernelRun {
  bool training = false;
  uint64_t seed = 0;
  int64_t step = 0;
};
// Every kernel for the op on `device` ("cpu:0", "gpu:0") for each dtype, against the CPU
// reference kernel (on the CPU the reference itself is not compared with itself). Each kernel
// gets its own copy of the inputs in the device's memory (a kernel that updates an input in
// place cannot change what the next one starts from); outputs come back to the host. One
// Comparison per kernel, dtype and output.
std::vector<Comparison> compare_kernels(const OpCase& c, const std::string& device, KernelRun run = {},
                                        const std::vector<DType>& dtypes = {DType::kFloat32, DType::kFloat64});

// Every bfloat16 kernel for the op on the CPU against the float32 reference: the inputs are
// rounded to bfloat16 first, so both sides start from the same values and only the kernel's
// arithmetic (bfloat16 outputs, its summation order) differs; outputs are compared in float32
// within c.rtol and c.atol, which a bfloat16 case sets to bfloat16's precision (2^-8 relative
// per rounding). One Comparison per kernel and output.
std::vector<Comparison> compare_bfloat16_kernels(const OpCase& c);

// The op's gradient function end to end in float64: the backward nodes it adds, run by the
// executor, against central differences. One Comparison per float input not in
// OpDef::no_gradient (an input the gradient function gives no gradient is a failed one).
std::vector<Comparison> compare_gradients(const OpCase& c);

// The loader's error for this case, or "" if it builds. For shape and attr error tests.
std::string build_error(const OpCase& c, DType dtype = DType::kFloat32);

}  // namespace graphrun::opcheck
