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
  Allocator& allocator() const { return allocator_; }

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

  // Whether the data is in host memory (an empty tensor counts as host). data<T>() and raw()
  // are device pointers otherwise, for device kernels only; values() and value_as_double()
  // refuse device memory.
  bool on_host() const { return buffer_ == nullptr || buffer_->allocator().on_host(); }
  // Where the data lives, for messages: "host" or the device ("gpu:0").
  const char* location() const { return buffer_ == nullptr ? "host" : buffer_->allocator().location(); }
  // The allocator the buffer came from (host_allocator() for an empty tensor).
  Allocator& allocator() const { return buffer_ == nullptr ? host_allocator() : buffer_->allocator(); }

  void* raw() const { return buffer_ ? buffer_->data() : nullptr; }
  template <typename T>
  T* data() const {
    GR_CHECK(dtype_of<T>() == dtype_, "tensor is {}, accessed as {}", dtype_name(dtype_),
             dtype_name(dtype_of<T>()));
    return static_cast<T*>(raw());
  }
  template <typename T>
  std::span<T> values() const {
    check_on_host("values()");
    return {data<T>(), static_cast<size_t>(num_elements_)};
  }

  // Same buffer, another shape with the same element count.
  Tensor reshaped(Shape shape) const;
  // A deep copy on the host allocator (from device memory: copied back through its device,
  // after the work queued there).
  Tensor clone() const;
  // This tensor if it is in host memory, else clone(): for code that reads values.
  Tensor to_host() const { return on_host() ? *this : clone(); }
  // Copy the data of `source` (same dtype and element count) into this tensor; either side may
  // be device memory (the copy goes through that device and is complete on return).
  void copy_from(const Tensor& source);
  void fill_zero();
  // Element i converted to double (for printing and comparisons in tests); host memory only.
  double value_as_double(int64_t i) const;

 private:
  void check_on_host(const char* what) const {
    GR_CHECK(on_host(), "{} of a tensor in {} memory: copy it to the host first (to_host())", what, location());
  }

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
