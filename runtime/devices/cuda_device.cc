#include "runtime/devices/cuda_device.h"

#include <algorithm>

#include "core/plugin_host.h"
#include "runtime/devices/cuda_check.h"

namespace graphrun {

namespace {

class CudaEvent final : public Event {
 public:
  CudaEvent(CudaDevice& device, cudaEvent_t event) : device_(device), event_(event) {}
  ~CudaEvent() override { device_.recycle_event(event_); }
  void wait_host() override { GR_CUDA_CHECK(cudaEventSynchronize(event_)); }
  cudaEvent_t get() const { return event_; }

 private:
  CudaDevice& device_;
  cudaEvent_t event_;
};

// GrHostApi::kernel_stream for plugin kernels: the cudaStream_t of a GPU device, null elsewhere.
void* native_stream(Device& device) {
  auto* cuda = dynamic_cast<CudaDevice*>(&device);
  return cuda != nullptr ? static_cast<void*>(cuda_stream(*cuda)) : nullptr;
}

// Lets the GPU `from` read and write the memory of `to` directly where the hardware allows
// (NVLink or PCIe peer to peer): a Recv's or a Placeholder replica's cudaMemcpyAsync between two
// GPUs is then one DMA instead of a copy staged through host memory. Where peers cannot be
// enabled the copies still work, staged: nothing here is an error.
void enable_peer_access(int from, int to) {
  int can = 0;
  if (from == to || cudaDeviceCanAccessPeer(&can, from, to) != cudaSuccess || !can) return;
  int current = 0;
  GR_CUDA_CHECK(cudaGetDevice(&current));
  if (cudaSetDevice(from) == cudaSuccess) (void)cudaDeviceEnablePeerAccess(to, 0);  // already enabled is fine
  (void)cudaGetLastError();  // none of these statuses is sticky; leave no error behind
  GR_CUDA_CHECK(cudaSetDevice(current));
}

}  // namespace

CudaDevice::CudaDevice(int ordinal, int physical) : ordinal_(ordinal), physical_(physical) {
  activate();
  // Non-blocking: the stream does not synchronize with the legacy default stream, which
  // libraries and synchronous cudaMemcpy calls use.
  GR_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  allocator_ = std::make_unique<CudaCachingAllocator>(name().str(), physical_, stream_);
}

void CudaDevice::activate() const { GR_CUDA_CHECK(cudaSetDevice(physical_)); }

void CudaDevice::enqueue(const std::function<void()>& work) {
  activate();
  work();
}

std::unique_ptr<Event> CudaDevice::record_event() { return record_event_on(stream_); }

std::unique_ptr<Event> CudaDevice::record_event_on(cudaStream_t stream) {
  activate();
  cudaEvent_t event = nullptr;
  {
    std::lock_guard lock(event_mutex_);
    if (!free_events_.empty()) {
      event = free_events_.back();
      free_events_.pop_back();
    }
  }
  // Timing off: such events are cheaper to record and to wait on.
  if (event == nullptr) GR_CUDA_CHECK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
  GR_CUDA_CHECK(cudaEventRecord(event, stream));
  return std::make_unique<CudaEvent>(*this, event);
}

Allocator& CudaDevice::staging_allocator() { return pinned_host_allocator(); }

Device::MemorySpace CudaDevice::memory_space() const {
  activate();
  size_t free = 0, total = 0;
  GR_CUDA_CHECK(cudaMemGetInfo(&free, &total));
  return {fmt::format("GPU {} memory", physical_), total};
}

std::unique_ptr<Event> CudaDevice::upload(void* device_dst, const void* host_src, size_t bytes) {
  activate();
  std::call_once(copy_stream_once_, [this] { GR_CUDA_CHECK(cudaStreamCreateWithFlags(&copy_stream_, cudaStreamNonBlocking)); });
  if (bytes > 0) GR_CUDA_CHECK(cudaMemcpyAsync(device_dst, host_src, bytes, cudaMemcpyHostToDevice, copy_stream_));
  return record_event_on(copy_stream_);
}

void CudaDevice::recycle_event(cudaEvent_t event) {
  // A wait already enqueued on another stream keeps the recorded state it captured, so the
  // event may be recorded again at once.
  std::lock_guard lock(event_mutex_);
  free_events_.push_back(event);
}

void CudaDevice::wait_event(Event& event) {
  auto* cuda = dynamic_cast<CudaEvent*>(&event);
  if (cuda == nullptr) {
    event.wait_host();  // a CPU device's event: complete when recorded
    return;
  }
  activate();
  GR_CUDA_CHECK(cudaStreamWaitEvent(stream_, cuda->get(), 0));
}

void CudaDevice::synchronize() {
  activate();
  GR_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

cudnnHandle_t CudaDevice::cudnn() {
  if (cudnn_ == nullptr) {
    activate();
    GR_CUDNN_CHECK(cudnnCreate(&cudnn_));
    GR_CUDNN_CHECK(cudnnSetStream(cudnn_, stream_));
  }
  return cudnn_;
}

cublasHandle_t CudaDevice::cublas() {
  if (cublas_ == nullptr) {
    activate();
    GR_CUBLAS_CHECK(cublasCreate(&cublas_));
    GR_CUBLAS_CHECK(cublasSetStream(cublas_, stream_));
  }
  return cublas_;
}

CudaDevice& cuda_device(Device& device) {
  auto* cuda = dynamic_cast<CudaDevice*>(&device);
  GR_CHECK(cuda != nullptr, "a CUDA kernel runs on {}, which is no GPU device", device.name().str());
  return *cuda;
}

cudaStream_t cuda_stream(Device& device) {
  CudaDevice& cuda = cuda_device(device);
  cuda.activate();
  return cuda.stream();
}

namespace {

// Creates gpu:`ordinal` (get_device calls it once per ordinal). Throws Error when no GPU is
// visible, saying why.
std::unique_ptr<Device> make_cuda_device(int ordinal) {
  int count = 0;
  cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess || count == 0) {
    std::string why = status != cudaSuccess ? cudaGetErrorString(status) : "the CUDA runtime sees no GPU";
    (void)cudaGetLastError();
    fail("device gpu:{} is not available: no CUDA device is visible ({})", ordinal, why);
  }
  static std::once_flag provider_installed;
  std::call_once(provider_installed, [] { set_native_stream_provider(&native_stream); });
  // Peers between the GPUs in use only (get_device creates devices one at a time, under its
  // mutex): enabling them touches both GPUs' contexts, which GPUs nobody uses should not get.
  static std::vector<int> physicals;
  const int physical = ordinal % count;
  auto device = std::make_unique<CudaDevice>(ordinal, physical);
  if (std::find(physicals.begin(), physicals.end(), physical) == physicals.end()) {
    for (int other : physicals) {
      enable_peer_access(physical, other);
      enable_peer_access(other, physical);
    }
    physicals.push_back(physical);
  }
  return device;
}

[[maybe_unused]] const bool registered = (register_device_factory(DeviceType::kCUDA, &make_cuda_device), true);

}  // namespace

CudaMemoryStats cuda_memory_stats(const std::string& device) {
  DeviceName name = parse_device_name(device);
  if (name.type != DeviceType::kCUDA || cuda_device_count() == 0) return {};
  return cuda_device(get_device(name)).memory_stats();
}

}  // namespace graphrun
