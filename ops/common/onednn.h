// oneDNN glue shared by the CPU kernels: one engine for the process, and memory descriptors
// for graphrun's plain row-major tensors.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include "core/kernel_registry.h"
#include "core/tensor.h"

namespace graphrun::onednn {

dnnl::engine& engine();
// A stream for the calling thread (oneDNN streams are not thread-safe; creating one is cheap).
dnnl::stream& stream();

dnnl::memory::data_type data_type(DType dtype);
dnnl::memory::dims dims(const Shape& shape);
// Plain layout for a rank-1..5 tensor (a, ab, abc, abcd = NCHW / OIHW, abcde).
dnnl::memory::format_tag plain_tag(int rank);
dnnl::memory::desc plain_desc(DType dtype, const Shape& shape);
// A oneDNN memory over the tensor's own buffer (no copy).
dnnl::memory wrap(const Tensor& tensor);
dnnl::memory wrap(const Tensor& tensor, const dnnl::memory::desc& desc);

// oneDNN kernels here are float32 and, for the mixed-precision pass, bfloat16 (no float64): a
// supports() for oneDNN kernels.
std::string float32_or_bfloat16(DType dtype);

// The registration every oneDNN kernel shares: CPU, label "onednn", priority 10 (above the
// reference kernels), float32 or bfloat16 (each kernel registers the dtypes it has).
inline KernelBuilder kernel_builder(const std::string& op) {
  return std::move(KernelBuilder(op, DeviceType::kCPU, "onednn", 10).supports([](const NodeInfo& node) {
    return float32_or_bfloat16(node.kernel_dtype());
  }));
}

// Runs a primitive on the calling thread's stream and waits: a kernel's outputs are complete
// when compute() returns.
inline void execute(const dnnl::primitive& primitive, const std::unordered_map<int, dnnl::memory>& args) {
  primitive.execute(stream(), args);
  stream().wait();
}

}  // namespace graphrun::onednn
