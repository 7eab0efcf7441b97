// Tensor shapes. Dimensions are int64; -1 (kBatch) in dimension 0 of a Placeholder means "the
// batch size", bound when a graph is compiled. Element counts are overflow-checked because a
// graph file may declare any dimensions.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace graphrun {

class Shape {
 public:
  static constexpr int64_t kBatch = -1;

  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit Shape(std::vector<int64_t> dims) : dims_(std::move(dims)) {}

  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t dim(int i) const;  // negative i counts from the end
  int64_t operator[](int i) const { return dim(i); }
  const std::vector<int64_t>& dims() const { return dims_; }
  void set_dim(int i, int64_t value);

  // Product of dims; throws Error if a dim is negative or the product overflows int64.
  int64_t num_elements() const;
  // Product of dims [begin, end).
  int64_t product(int begin, int end) const;
  bool fully_defined() const;

  std::string str() const;  // "[16,3,227,227]"
  bool operator==(const Shape& other) const = default;

 private:
  std::vector<int64_t> dims_;
};

}  // namespace graphrun
