// DeviceAllReduce's reference kernel, on the CPU: the replicas' inputs added in replica order,
// first + second + ..., as AddN's reference adds them, and the one sum copied to every
// replica's output. The CPU devices of one process share its memory, so the last node to
// arrive reads every input where it lies.
#include <cstring>

#include "ops/device_all_reduce/device_all_reduce_kernel.h"

namespace graphrun {

namespace {

class DeviceAllReduceCpu final : public DeviceAllReduceKernel {
 public:
  using DeviceAllReduceKernel::DeviceAllReduceKernel;

 private:
  void reduce(const std::vector<DeviceArrival>& group) override {
    if (group[0].dtype == DType::kFloat32) sum<float>(group);
    else sum<double>(group);
    for (size_t k = 1; k < group.size(); ++k) std::memcpy(group[k].output, group[0].output, group[0].bytes);
  }

  template <typename T>
  static void sum(const std::vector<DeviceArrival>& group) {
    const size_t n = group[0].bytes / sizeof(T);
    T* y = static_cast<T*>(group[0].output);
    const T* first = static_cast<const T*>(group[0].input);
    for (size_t i = 0; i < n; ++i) y[i] = first[i];
    for (size_t k = 1; k < group.size(); ++k) {
      const T* x = static_cast<const T*>(group[k].input);
      for (size_t i = 0; i < n; ++i) y[i] += x[i];
    }
  }
};

GR_REGISTER_KERNEL(KernelBuilder("DeviceAllReduce", DeviceType::kCPU, "reference")
                       .add_class<DeviceAllReduceCpu>(DType::kFloat32)
                       .add_class<DeviceAllReduceCpu>(DType::kFloat64));

}  // namespace
}  // namespace graphrun
