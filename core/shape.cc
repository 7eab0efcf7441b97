#include "core/shape.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"

namespace graphrun {

int64_t Shape::dim(int i) const {
  int index = i < 0 ? i + rank() : i;
  GR_CHECK(index >= 0 && index < rank(), "dim {} of shape {}", i, str());
  return dims_[index];
}

void Shape::set_dim(int i, int64_t value) {
  int index = i < 0 ? i + rank() : i;
  GR_CHECK(index >= 0 && index < rank(), "dim {} of shape {}", i, str());
  dims_[index] = value;
}

int64_t Shape::product(int begin, int end) const {
  int64_t n = 1;
  for (int i = begin; i < end; ++i) {
    int64_t d = dims_.at(i);
    if (d < 0) fail("shape {} has a negative dimension", str());
    if (d != 0 && n > INT64_MAX / d) fail("shape {} has more than 2^63 elements", str());
    n *= d;
  }
  return n;
}

int64_t Shape::num_elements() const { return product(0, rank()); }

bool Shape::fully_defined() const {
  for (int64_t d : dims_)
    if (d < 0) return false;
  return true;
}

std::string Shape::str() const { return fmt::format("[{}]", fmt::join(dims_, ",")); }

}  // namespace graphrun
