// The CPU device: its stream runs work immediately on the calling thread, so events are
// always complete. Logical CPU devices share the host allocator (one physical memory) but
// keep their own names, so the placement and partition passes see real device boundaries.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>

#include "core/error.h"
#include "runtime/devices/device.h"
#ifdef GRAPHRUN_WITH_CUDA
#include "runtime/devices/cuda_device.h"
#endif

namespace graphrun {

std::string_view device_type_name(DeviceType type) { return type == DeviceType::kCPU ? "cpu" : "gpu"; }

std::string DeviceName::str() const { return fmt::format("{}:{}", device_type_name(type), ordinal); }

DeviceName parse_device_name(std::string_view text) {
  DeviceName name;
  size_t colon = text.find(':');
  std::string_view type = text.substr(0, colon);
  if (type == "cpu") {
    name.type = DeviceType::kCPU;
  } else if (type == "gpu" || type == "cuda") {
    name.type = DeviceType::kCUDA;
  } else {
    fail("unknown device '{}': expected cpu:N or gpu:N", text);
  }
  if (colon == std::string_view::npos) return name;
  std::string_view number = text.substr(colon + 1);
  if (number.empty() || number.size() > 3 || number.find_first_not_of("0123456789") != std::string_view::npos)
    fail("bad device ordinal in '{}': expected cpu:N or gpu:N", text);
  name.ordinal = std::stoi(std::string(number));
  return name;
}

namespace {

class CompletedEvent final : public Event {
 public:
  void wait_host() override {}
};

class CpuDevice final : public Device {
 public:
  explicit CpuDevice(int ordinal) : name_{DeviceType::kCPU, ordinal} {}
  DeviceName name() const override { return name_; }
  Allocator& allocator() override { return host_allocator(); }
  void enqueue(const std::function<void()>& work) override { work(); }
  std::unique_ptr<Event> record_event() override { return std::make_unique<CompletedEvent>(); }
  // The CPU stream is the calling thread: it waits on the host (a no-op for a CPU event; a GPU
  // event from a Send to this device blocks until the GPU has produced the tensor).
  void wait_event(Event& event) override { event.wait_host(); }
  void synchronize() override {}

 private:
  DeviceName name_;
};

}  // namespace

Device::MemorySpace Device::memory_space() const {
  // Physical RAM: a step planned beyond it would swap to a crawl or meet the OOM killer.
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return {"host memory", pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) : 0};
}

std::unique_ptr<Event> Device::upload(void* device_dst, const void* host_src, size_t bytes) {
  GR_CHECK(allocator().on_host(), "{} must implement upload() for its device memory", name().str());
  if (bytes > 0) std::memcpy(device_dst, host_src, bytes);
  return std::make_unique<CompletedEvent>();
}

Device& get_device(const DeviceName& name) {
  static std::mutex mutex;
  static std::map<std::pair<int, int>, std::unique_ptr<Device>> devices;
  std::lock_guard lock(mutex);
  auto key = std::make_pair(static_cast<int>(name.type), name.ordinal);
  auto it = devices.find(key);
  if (it != devices.end()) return *it->second;
  if (name.type == DeviceType::kCPU) return *devices.emplace(key, std::make_unique<CpuDevice>(name.ordinal)).first->second;
#ifdef GRAPHRUN_WITH_CUDA
  return *devices.emplace(key, make_cuda_device(name.ordinal)).first->second;
#else
  fail("device {} is not available: this build has no CUDA support (configure with -DGRAPHRUN_CUDA=ON)", name.str());
#endif
}

}  // namespace graphrun
