// The device interface: a type and ordinal, an allocator, an in-order stream and events.
// Several logical devices may share one physical device (cpu:0 and cpu:1 in the tests, two
// CUDA streams on one GPU), so a Device is a logical device. It lives in core, beside the
// device names, because the graph, the kernel registry and the rendezvous speak of devices;
// the devices themselves are runtime's (runtime/devices/), each registered here by type.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "core/allocator.h"

namespace graphrun {

enum class DeviceType { kCPU = 0, kCUDA = 1 };

std::string_view device_type_name(DeviceType type);  // "cpu", "gpu"

struct DeviceName {
  DeviceType type = DeviceType::kCPU;
  int ordinal = 0;
  std::string str() const;  // "cpu:0"
  bool operator==(const DeviceName&) const = default;
};
DeviceName parse_device_name(std::string_view text);  // throws Error: "expected cpu:N or gpu:N"

// Marks a point in a device's stream; another stream (or the host) can wait for it.
class Event {
 public:
  virtual ~Event() = default;
  virtual void wait_host() = 0;  // block the calling thread until the event has happened
};

// The event of work done on return (a CPU stream, a host memcpy): nothing to wait for.
class CompletedEvent final : public Event {
 public:
  void wait_host() override {}
};

class Device {
 public:
  virtual ~Device() = default;
  virtual DeviceName name() const = 0;
  virtual Allocator& allocator() = 0;
  // Enqueue work on the device's in-order stream. On the CPU the work runs at once.
  virtual void enqueue(const std::function<void()>& work) = 0;
  virtual std::unique_ptr<Event> record_event() = 0;
  virtual void wait_event(Event& event) = 0;  // later work on this stream waits for event
  virtual void synchronize() = 0;

  // Host memory this device copies from fastest, for the input pipeline's batch buffers:
  // page-locked (pinned) memory for a GPU, so an upload is a DMA that needs no staging copy.
  virtual Allocator& staging_allocator() { return host_allocator(); }
  // Copies `bytes` of host memory into this device's memory on the device's copy stream, apart
  // from the stream kernels run on, so uploading the next batch overlaps this step's kernels.
  // The returned event marks the copy's completion. On the CPU: a memcpy, done on return.
  virtual std::unique_ptr<Event> upload(void* device_dst, const void* host_src, size_t bytes);

  // The physical memory this device's allocator draws from, shared by the logical devices of one
  // physical device (cpu:0 and cpu:1 share the host's; gpu:0 and gpu:1 on one GPU share it): a
  // name for it and its size in bytes (0: unknown). The memory plan is checked against it.
  struct MemorySpace {
    std::string name;
    size_t bytes = 0;
  };
  virtual MemorySpace memory_space() const;
};

// Makes the logical device `ordinal` of one type; throws Error when it cannot exist here.
using DeviceFactory = std::unique_ptr<Device> (*)(int ordinal);
// Each device type's file registers its factory at static initialization (as kernels register
// themselves), so core creates devices without knowing them and no device file calls another.
void register_device_factory(DeviceType type, DeviceFactory factory);

// Logical devices by name, created on first use by their type's factory and alive for the
// process.
Device& get_device(const DeviceName& name);
inline Device& get_device(std::string_view name) { return get_device(parse_device_name(name)); }

}  // namespace graphrun
