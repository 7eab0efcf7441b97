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
// The tensor as it lies: plain, or channel-blocked (nChw16c) where the blocked-layout pass chose
// that (core/layout.h).
dnnl::memory::desc desc_of(const TensorInfo& info);
// The same dims and dtype in another tensor's layout: a primitive that keeps one layout for all
// its tensors (pooling) computes in its input's, and reorders what lies otherwise.
dnnl::memory::desc desc_like(const TensorInfo& info, MemoryLayout layout);
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

// A tensor as it lies (plain, or blocked: core/layout.h) and the layout a primitive wants for it:
// a reorder and a buffer (allocated once) when they differ.
struct Staged {
  dnnl::memory::desc actual;  // as the tensor lies
  dnnl::memory::desc chosen;  // as the primitive wants it
  dnnl::memory buffer;    // in the chosen layout; empty when chosen == actual
  dnnl::reorder reorder;  // actual -> chosen for inputs, chosen -> actual for outputs

  Staged() = default;
  Staged(const dnnl::memory::desc& actual_desc, const dnnl::memory::desc& chosen_desc, bool is_output)
      : actual(actual_desc), chosen(chosen_desc) {
    if (actual == chosen) return;
    buffer = dnnl::memory(chosen, engine());
    dnnl::engine& e = engine();
    reorder = is_output ? dnnl::reorder(dnnl::reorder::primitive_desc(e, chosen, e, actual))
                        : dnnl::reorder(dnnl::reorder::primitive_desc(e, actual, e, chosen));
  }
  bool staged() const { return static_cast<bool>(buffer); }
  // The memory the primitive reads: the tensor itself, or its reordered copy. Inputs are
  // reordered on every run: training updates weights in place, and activations change anyway.
  // The pointer forms take a part of a tensor (a kernel that works in chunks).
  dnnl::memory in(const Tensor& tensor, dnnl::stream& s) { return in(tensor.raw(), s); }
  dnnl::memory in(void* data, dnnl::stream& s) {
    dnnl::memory m(actual, engine(), data);
    if (!staged()) return m;
    reorder.execute(s, m, buffer);
    return buffer;
  }
  // The memory the primitive writes; finish() copies it to the tensor if staged.
  dnnl::memory out(const Tensor& tensor) { return out(tensor.raw()); }
  dnnl::memory out(void* data) { return staged() ? buffer : dnnl::memory(actual, engine(), data); }
  void finish(const Tensor& tensor, dnnl::stream& s) { finish(tensor.raw(), s); }
  void finish(void* data, dnnl::stream& s) {
    if (!staged()) return;
    dnnl::memory m(actual, engine(), data);
    reorder.execute(s, buffer, m);
  }
};

// Row-major C [M, N] = op(A) op(B) in float32 by oneDNN's sgemm ('N' or 'T' for each operand, lda
// and ldb the row strides as stored); a failure is an Error naming the call.
void sgemm(char trans_a, char trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
           int64_t ldb, float* c, int64_t ldc);

// Runs a primitive on the calling thread's stream and waits: a kernel's outputs are complete
// when compute() returns.
inline void execute(const dnnl::primitive& primitive, const std::unordered_map<int, dnnl::memory>& args) {
  primitive.execute(stream(), args);
  stream().wait();
}

}  // namespace graphrun::onednn
