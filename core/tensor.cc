#include "core/tensor.h"

#include <cstring>

namespace graphrun {

Buffer::Buffer(Allocator& allocator, size_t bytes)
    : allocator_(allocator), bytes_(bytes), data_(allocator.allocate(bytes)) {}

Buffer::~Buffer() { allocator_.deallocate(data_, bytes_); }

Tensor::Tensor(DType dtype, Shape shape, Allocator& allocator)
    : dtype_(dtype), shape_(std::move(shape)), num_elements_(shape_.num_elements()) {
  int64_t size = static_cast<int64_t>(dtype_size(dtype));
  if (num_elements_ > INT64_MAX / size) fail("tensor {} {} is too large", dtype_name(dtype), shape_.str());
  buffer_ = std::make_shared<Buffer>(allocator, static_cast<size_t>(num_elements_ * size));
}

Tensor Tensor::zeros(DType dtype, Shape shape) {
  Tensor t(dtype, std::move(shape));
  t.fill_zero();
  return t;
}

Tensor Tensor::reshaped(Shape shape) const {
  GR_CHECK(shape.num_elements() == num_elements_, "reshape {} to {}", shape_.str(), shape.str());
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_);
  t.copy_from(*this);
  return t;
}

void Tensor::copy_from(const Tensor& source) {
  GR_CHECK(source.dtype_ == dtype_ && source.num_elements_ == num_elements_, "copy {} {} into {} {}",
           dtype_name(source.dtype_), source.shape_.str(), dtype_name(dtype_), shape_.str());
  if (bytes() == 0) return;
  bool dst_host = on_host(), src_host = source.on_host();
  if (dst_host && src_host) {
    std::memcpy(raw(), source.raw(), bytes());
  } else {
    // The device side does the copy: the destination's device when it has one, so a copy
    // between two devices is ordered on the receiving stream.
    Allocator& via = dst_host ? source.allocator() : allocator();
    via.copy(raw(), dst_host, source.raw(), src_host, bytes());
  }
}

void Tensor::fill_zero() {
  if (bytes() == 0) return;
  if (on_host())
    std::memset(raw(), 0, bytes());
  else
    allocator().zero(raw(), bytes());
}

double Tensor::value_as_double(int64_t i) const {
  GR_CHECK(i >= 0 && i < num_elements_, "index {} of {}", i, num_elements_);
  check_on_host("value_as_double()");
  switch (dtype_) {
    case DType::kFloat32: return static_cast<const float*>(raw())[i];
    case DType::kFloat64: return static_cast<const double*>(raw())[i];
    case DType::kInt32: return static_cast<const int32_t*>(raw())[i];
    case DType::kInt64: return static_cast<double>(static_cast<const int64_t*>(raw())[i]);
    case DType::kUInt8: return static_cast<const uint8_t*>(raw())[i];
    case DType::kBool: return static_cast<const bool*>(raw())[i];
    case DType::kBFloat16: return static_cast<float>(static_cast<const bfloat16*>(raw())[i]);
    default: fail("invalid dtype");
  }
}

}  // namespace graphrun
