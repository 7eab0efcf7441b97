// A dense row-major tensor: dtype, shape and a reference-counted buffer from an allocator.
// Copies share the buffer (as TF's Tensor does); clone() copies the data.
#pragma once

#include <memory>
#include <span>

#include "core/allocator.h"
#include "core/dtype.h"
#include "core/error.h"
#include "core/shape.h"

namespace graphrun {

class Buffer {
 public:
  Buffer(Allocator& allocator, size_t bytes);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }

 private:
  Allocator& allocator_;
  size_t bytes_;
  void* data_;
};

class Tensor {
 public:
  Tensor() = default;
  // Uninitialized storage for dtype x shape from the allocator (host by default).
  Tensor(DType dtype, Shape shape, Allocator& allocator = host_allocator());
  static Tensor zeros(DType dtype, Shape shape);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t num_elements() const { return num_elements_; }
  size_t bytes() const { return static_cast<size_t>(num_elements_) * dtype_size(dtype_); }
  bool valid() const { return buffer_ != nullptr; }
  // Whether no other tensor shares this buffer (a kernel may then write it in place).
  bool sole_owner() const { return buffer_ != nullptr && buffer_.use_count() == 1; }

  void* raw() const { return buffer_ ? buffer_->data() : nullptr; }
  template <typename T>
  T* data() const {
    GR_CHECK(dtype_of<T>() == dtype_, "tensor is {}, accessed as {}", dtype_name(dtype_),
             dtype_name(dtype_of<T>()));
    return static_cast<T*>(raw());
  }
  template <typename T>
  std::span<T> values() const {
    return {data<T>(), static_cast<size_t>(num_elements_)};
  }

  // Same buffer, another shape with the same element count.
  Tensor reshaped(Shape shape) const;
  // A deep copy on the host allocator.
  Tensor clone() const;
  // Copy the data of `source` (same dtype and element count) into this tensor.
  void copy_from(const Tensor& source);
  void fill_zero();
  // Element i converted to double (for printing and comparisons in tests).
  double value_as_double(int64_t i) const;

 private:
  DType dtype_ = DType::kInvalid;
  Shape shape_;
  int64_t num_elements_ = 0;
  std::shared_ptr<Buffer> buffer_;
};

// Calls fn with a typed null pointer of the tensor's floating dtype, for kernels templated on
// float and double.
template <typename Fn>
decltype(auto) dispatch_float(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::kFloat32: return fn(static_cast<float*>(nullptr));
    case DType::kFloat64: return fn(static_cast<double*>(nullptr));
    default: fail("expected float32 or float64, got {}", dtype_name(dtype));
  }
}

}  // namespace graphrun
