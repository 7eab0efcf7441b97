#include "core/allocator.h"

#include <cstdlib>

#include "core/error.h"

namespace graphrun {

void Allocator::count_allocate(size_t bytes) {
  size_t now = in_use_ += bytes;
  size_t peak = peak_.load();
  while (now > peak && !peak_.compare_exchange_weak(peak, now)) {
  }
}

void Allocator::copy(void*, bool, const void*, bool, size_t) {
  GR_CHECK(false, "copy through the {} allocator, which has no device memory", location());
}

void Allocator::zero(void*, size_t) { GR_CHECK(false, "zero through the {} allocator, which has no device memory", location()); }

namespace {

class HostAllocator final : public Allocator {
 public:
  void* allocate(size_t bytes) override {
    size_t rounded = (bytes + 63) / 64 * 64;
    void* ptr = std::aligned_alloc(64, rounded == 0 ? 64 : rounded);
    if (ptr == nullptr) fail("out of host memory allocating {} bytes", bytes);
    count_allocate(bytes);
    return ptr;
  }
  void deallocate(void* ptr, size_t bytes) override {
    std::free(ptr);
    count_deallocate(bytes);
  }
};

}  // namespace

Allocator& host_allocator() {
  static HostAllocator allocator;
  return allocator;
}

}  // namespace graphrun
