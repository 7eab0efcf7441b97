// A logical CUDA device (gpu:N): its own stream, events, caching allocator, and cuDNN and
// cuBLAS handles bound to its stream. Logical devices map onto the GPUs there are by
// ordinal % count, so gpu:0 and gpu:1 on a one-GPU machine are two streams on it and the
// two-tower split runs there too. A GPU kernel's compute() only enqueues work on the stream;
// the host waits where it needs values (fetches, a Recv on the CPU) and at the end of a run.
// Included by CUDA-only .cc files (kernel classes); .cu files include cuda_check.h only.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <memory>
#include <mutex>
#include <vector>

#include "core/device.h"
#include "runtime/devices/cuda_allocator.h"

namespace graphrun {

class CudaDevice final : public Device {
 public:
  CudaDevice(int ordinal, int physical);
  // Devices live for the process; the driver reclaims the stream, events and memory at exit
  // (destroying them from a static destructor would race the CUDA runtime's own teardown).
  ~CudaDevice() override = default;

  DeviceName name() const override { return {DeviceType::kCUDA, ordinal_}; }
  Allocator& allocator() override { return *allocator_; }
  // Makes this GPU current on the calling thread and runs `work`, which launches on stream().
  void enqueue(const std::function<void()>& work) override;
  std::unique_ptr<Event> record_event() override;
  // Later work on this stream waits for `event` (a CPU device's event is complete already).
  void wait_event(Event& event) override;
  void synchronize() override;
  Allocator& staging_allocator() override;
  // On the copy stream (created on first use), a host-to-device cudaMemcpyAsync.
  std::unique_ptr<Event> upload(void* device_dst, const void* host_src, size_t bytes) override;
  // The physical GPU's memory (cudaMemGetInfo's total), shared by the logical devices on it.
  MemorySpace memory_space() const override;

  int physical() const { return physical_; }
  cudaStream_t stream() const { return stream_; }
  // TBB threads run nodes of every device, so each launch makes its GPU current first.
  void activate() const;
  // The handles are created on first use, bound to stream(). Neither library allows two host
  // threads to use one handle at the same time, and two nodes of this device may run at once
  // on the flow graph: hold handle_mutex() while using them.
  cudnnHandle_t cudnn();
  cublasHandle_t cublas();
  std::mutex& handle_mutex() { return handle_mutex_; }
  CudaMemoryStats memory_stats() const { return allocator_->stats(); }

  // Events are recycled (cudaEventCreate is not free): a CudaEvent returns its event here.
  void recycle_event(cudaEvent_t event);
  // An event recorded on `stream` (this device's stream or its copy stream).
  std::unique_ptr<Event> record_event_on(cudaStream_t stream);

 private:
  int ordinal_;
  int physical_;
  cudaStream_t stream_ = nullptr;
  std::once_flag copy_stream_once_;
  cudaStream_t copy_stream_ = nullptr;  // uploads, beside the compute stream
  std::unique_ptr<CudaCachingAllocator> allocator_;
  std::mutex handle_mutex_;
  cudnnHandle_t cudnn_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  std::mutex event_mutex_;
  std::vector<cudaEvent_t> free_events_;
};

// The CUDA device behind a kernel's Device (an internal error if it is none).
CudaDevice& cuda_device(Device& device);
// Its stream, with its GPU made current on this thread: what a GPU kernel launches on.
cudaStream_t cuda_stream(Device& device);

}  // namespace graphrun
