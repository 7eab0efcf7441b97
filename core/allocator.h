// Device memory allocators count bytes in use and the peak, which `graphrun bench` and the
// memory plan report. An allocator also says where its memory lives: host memory the CPU may
// read and write directly; device memory (a GPU's) only through the allocator's copy functions,
// which Tensor's host-side operations (clone, copy_from, fill_zero) go through.
#pragma once

#include <atomic>
#include <cstddef>

namespace graphrun {

class Allocator {
 public:
  explicit Allocator(bool on_host = true) : on_host_(on_host) {}
  virtual ~Allocator() = default;
  virtual void* allocate(size_t bytes) = 0;
  virtual void deallocate(void* ptr, size_t bytes) = 0;
  // Whether the CPU can dereference this allocator's memory. A plain flag, not a virtual call,
  // so the host path of Tensor pays one load for the check.
  bool on_host() const { return on_host_; }
  // Copies `bytes` where at least one side is this (device) allocator's memory; `dst_on_host` and
  // `src_on_host` say which side is host memory. Returns when the copy is complete, after all
  // work already queued on the owning device's stream. Host allocators never get here.
  virtual void copy(void* dst, bool dst_on_host, const void* src, bool src_on_host, size_t bytes);
  // Zeroes device memory (stream-ordered, complete on return).
  virtual void zero(void* ptr, size_t bytes);
  // Name of where the memory lives, for error messages ("host", "gpu:0").
  virtual const char* location() const { return "host"; }
  size_t bytes_in_use() const { return in_use_; }
  size_t peak_bytes() const { return peak_; }
  void reset_peak() { peak_ = in_use_.load(); }

 protected:
  void count_allocate(size_t bytes);
  void count_deallocate(size_t bytes) { in_use_ -= bytes; }

 private:
  bool on_host_;
  std::atomic<size_t> in_use_{0};
  std::atomic<size_t> peak_{0};
};

// The process's CPU allocator (64-byte aligned, for SIMD and oneDNN).
Allocator& host_allocator();

}  // namespace graphrun
