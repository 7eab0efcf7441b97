// Device memory allocators count bytes in use and the peak, which `graphrun bench` and the
// memory plan report.
#pragma once

#include <atomic>
#include <cstddef>

namespace graphrun {

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(size_t bytes) = 0;
  virtual void deallocate(void* ptr, size_t bytes) = 0;
  size_t bytes_in_use() const { return in_use_; }
  size_t peak_bytes() const { return peak_; }
  void reset_peak() { peak_ = in_use_.load(); }

 protected:
  void count_allocate(size_t bytes);
  void count_deallocate(size_t bytes) { in_use_ -= bytes; }

 private:
  std::atomic<size_t> in_use_{0};
  std::atomic<size_t> peak_{0};
};

// The process's CPU allocator (64-byte aligned, for SIMD and oneDNN).
Allocator& host_allocator();

}  // namespace graphrun
