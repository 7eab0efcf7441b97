// The CUDA caching allocator of one logical GPU device. Blocks are rounded up to size classes
// and a freed block goes back to its class's free list (core/block_cache.h) instead of to
// cudaFree, so a training step in the steady state calls neither cudaMalloc nor cudaFree. Reuse
// is safe without events because each logical device has one in-order stream and its kernels
// use only its own allocator's blocks: work queued after the free runs after the work that used
// the block. (A block read by another device's stream, as a Recv reads
// a Send's tensor, stays owned by the producer's output until the run ends, and runs end with
// every stream synchronized: runtime/exec/executor.cc.)
#pragma once

#include <cuda_runtime.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/allocator.h"
#include "core/block_cache.h"
#include "runtime/devices/cuda_info.h"

namespace graphrun {

class CudaCachingAllocator final : public Allocator {
 public:
  // `name` is the logical device ("gpu:1"); `physical` the CUDA ordinal; `stream` the device's.
  CudaCachingAllocator(std::string name, int physical, cudaStream_t stream);
  // Devices live for the process: the cached blocks go back to the driver at exit.
  ~CudaCachingAllocator() override = default;

  void* allocate(size_t bytes) override;
  void deallocate(void* ptr, size_t bytes) override;
  void copy(void* dst, bool dst_on_host, const void* src, bool src_on_host, size_t bytes) override;
  void zero(void* ptr, size_t bytes) override;
  const char* location() const override { return name_.c_str(); }

  CudaMemoryStats stats() const;
  // The bytes a request occupies: its size class.
  static size_t size_class(size_t bytes);

 private:
  void* malloc_block(size_t bytes);  // cudaMalloc, emptying the cache once when memory is short
  void release_cached();             // cudaFree every cached block (caller holds mutex_)

  std::string name_;
  int physical_;
  cudaStream_t stream_;
  mutable std::mutex mutex_;
  BlockCache cache_;
  CudaMemoryStats stats_;
};

// Page-locked host memory (cudaHostAlloc, portable to every GPU) for the input pipeline's batch
// buffers: a copy from it to a GPU is a DMA that runs asynchronously on a stream, where a copy
// from pageable memory is staged through a driver buffer first. Host memory (on_host()), so
// the pipeline writes it directly. Not cached: batch buffers are allocated once per pipeline.
class CudaPinnedAllocator final : public Allocator {
 public:
  CudaPinnedAllocator() : Allocator(/*on_host=*/true) {}
  void* allocate(size_t bytes) override;
  void deallocate(void* ptr, size_t bytes) override;
  const char* location() const override { return "pinned host"; }
};

// The process's pinned host allocator.
Allocator& pinned_host_allocator();

}  // namespace graphrun
