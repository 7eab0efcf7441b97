// The op test harness (DESIGN.md): keeps each op's test short. An OpCase names an op, its attrs
// and input shapes; the harness builds the node through the real loader (so attr checks and
// shape inference are those users get), feeds deterministic random inputs, and compares every
// registered kernel with the reference kernel: |got - ref| <= atol + rtol * |ref|, printing the
// first mismatches. The checks themselves are runtime/check/op_check.h, which `graphrun
// check-op` runs for plugin authors; this file turns their results into doctest checks.
#pragma once

#include <string>
#include <vector>

#include "runtime/check/op_check.h"

namespace graphrun::testing {

using opcheck::OpCase;
using opcheck::build_error;
using opcheck::compare;
using opcheck::make_inputs;
using opcheck::make_node;
using opcheck::run_kernel;
using opcheck::run_reference;

// Every kernel for the op (each device type with a device here, float32 and float64) against
// the reference kernel; returns how many kernels were compared besides the reference.
int check_kernels_against_reference(const OpCase& c);

// Every kernel for the op on `device` ("gpu:0"), float32 and float64, against the CPU reference
// kernel: the inputs are copied into the device's memory first (as the executor's transfers give
// them to a GPU kernel) and the outputs back. Kernels run in training mode when c.training, with
// one seed and step for both sides (Dropout's masks must agree). Returns how many were compared.
int check_device_kernels_against_reference(const OpCase& c, const std::string& device);

// Every bfloat16 CPU kernel of the op against the float32 reference on bfloat16-rounded inputs
// (opcheck::compare_bfloat16_kernels), within c.rtol and c.atol; returns how many were compared.
int check_bfloat16_kernels(const OpCase& c);

// Checks the op's gradient function end to end in float64: the backward nodes it adds, run by
// the executor, against central differences of sum_j(w_j * y_j) with fixed random w_j. Every
// float input not in OpDef::no_gradient is checked. Returns how many inputs were checked.
int check_gradients(const OpCase& c);

// Small helpers the op tests share.
inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
// A float64 tensor with the given values (row-major).
Tensor tensor_of(Shape shape, std::vector<double> values);

}  // namespace graphrun::testing
