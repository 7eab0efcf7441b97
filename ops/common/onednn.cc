#include "ops/common/onednn.h"

namespace graphrun::onednn {

dnnl::engine& engine() {
  static dnnl::engine instance(dnnl::engine::kind::cpu, 0);
  return instance;
}

dnnl::stream& stream() {
  thread_local dnnl::stream instance(engine());
  return instance;
}

dnnl::memory::data_type data_type(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return dnnl::memory::data_type::f32;
    case DType::kBFloat16: return dnnl::memory::data_type::bf16;
    case DType::kInt32: return dnnl::memory::data_type::s32;
    case DType::kUInt8: return dnnl::memory::data_type::u8;
    default: fail("oneDNN has no {} type", dtype_name(dtype));
  }
}

dnnl::memory::dims dims(const Shape& shape) { return dnnl::memory::dims(shape.dims().begin(), shape.dims().end()); }

dnnl::memory::format_tag plain_tag(int rank) {
  using tag = dnnl::memory::format_tag;
  switch (rank) {
    case 1: return tag::a;
    case 2: return tag::ab;
    case 3: return tag::abc;
    case 4: return tag::abcd;
    case 5: return tag::abcde;
    default: fail("oneDNN kernels take rank 1 to 5, got {}", rank);
  }
}

dnnl::memory::desc plain_desc(DType dtype, const Shape& shape) {
  return dnnl::memory::desc(dims(shape), data_type(dtype), plain_tag(shape.rank()));
}

dnnl::memory::desc desc_of(const TensorInfo& info) { return desc_like(info, info.layout); }

dnnl::memory::desc desc_like(const TensorInfo& info, MemoryLayout layout) {
  if (layout == MemoryLayout::kPlain) return plain_desc(info.dtype, info.shape);
  GR_CHECK(can_block(info), "a {} tensor cannot be channel-blocked", info.shape.str());
  return dnnl::memory::desc(dims(info.shape), data_type(info.dtype), dnnl::memory::format_tag::nChw16c);
}

dnnl::memory wrap(const Tensor& tensor) { return wrap(tensor, plain_desc(tensor.dtype(), tensor.shape())); }

dnnl::memory wrap(const Tensor& tensor, const dnnl::memory::desc& desc) {
  return dnnl::memory(desc, engine(), tensor.raw());
}

void sgemm(char trans_a, char trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
           int64_t ldb, float* c, int64_t ldc) {
  const dnnl::status status = dnnl::sgemm(trans_a, trans_b, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
  GR_CHECK(status == dnnl::status::success, "oneDNN sgemm {}{} {}x{}x{} failed (status {})", trans_a, trans_b, m, n, k,
           static_cast<int>(status));
}

std::string float32_or_bfloat16(DType dtype) {
  return dtype == DType::kFloat32 || dtype == DType::kBFloat16
             ? ""
             : fmt::format("oneDNN kernels here are float32 or bfloat16, got {}", dtype_name(dtype));
}

}  // namespace graphrun::onednn
