// oneDNN glue shared by the CPU kernels: one engine for the process, and memory descriptors
// for graphrun's plain row-major tensors.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

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

// oneDNN has only float32 kernels here (no float64): a supports() for oneDNN kernels.
std::string float32_only(DType dtype);

}  // namespace graphrun::onednn
