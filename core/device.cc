// Device names, the interface's host defaults and the table of logical devices. The devices
// themselves (runtime/devices/cpu_device.cc, cuda_device.cc) register a factory per type.
#include "core/device.h"

#include <unistd.h>

#include <cstring>
#include <map>
#include <mutex>

#include "core/error.h"

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

namespace {

// A function-local table: factories register from other files' static initializers, whose
// order against this file's is unspecified.
std::map<DeviceType, DeviceFactory>& device_factories() {
  static std::map<DeviceType, DeviceFactory> factories;
  return factories;
}

}  // namespace

void register_device_factory(DeviceType type, DeviceFactory factory) {
  bool added = device_factories().emplace(type, factory).second;
  GR_CHECK(added, "two factories for {} devices", device_type_name(type));
}

Device& get_device(const DeviceName& name) {
  static std::mutex mutex;
  static std::map<std::pair<int, int>, std::unique_ptr<Device>> devices;
  std::lock_guard lock(mutex);
  auto key = std::make_pair(static_cast<int>(name.type), name.ordinal);
  auto it = devices.find(key);
  if (it != devices.end()) return *it->second;
  auto factory = device_factories().find(name.type);
  // The CPU device is always built in; only the CUDA backend may be left out.
  if (factory == device_factories().end())
    fail("device {} is not available: this build has no CUDA support (configure with -DGRAPHRUN_CUDA=ON)", name.str());
  return *devices.emplace(key, factory->second(name.ordinal)).first->second;
}

}  // namespace graphrun
