// The CPU device: its stream runs work immediately on the calling thread, so events are
// always complete. Logical CPU devices share the host allocator (one physical memory) but
// keep their own names, so the placement and partition passes see real device boundaries.
#include <memory>

#include "core/device.h"

namespace graphrun {

namespace {

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

std::unique_ptr<Device> make_cpu_device(int ordinal) { return std::make_unique<CpuDevice>(ordinal); }

[[maybe_unused]] const bool registered = (register_device_factory(DeviceType::kCPU, &make_cpu_device), true);

}  // namespace

}  // namespace graphrun
