// DeviceAllReduce between distinct physical GPUs of one process: NCCL's all-reduce over
// communicators made once per set of GPUs with ncclCommInitAll (built with CUDA and NCCL only).
// The node that completes its group issues every GPU's ncclAllReduce inside one
// ncclGroupStart/End, each on its device's compute stream: in stream order after the kernels
// that wrote the gradients and before those that read the sum, so nothing waits on the host.
// One mutex around the issue gives every communicator the groups in the same order, which NCCL
// requires. NCCL's ring gives every GPU the same bits. Logical GPUs of one card are not NCCL
// ranks (NCCL refuses two ranks on one GPU): runtime/passes/gradient_exchange.cc sums those
// with AddN and device copies.
#include <map>
#include <mutex>

#include "ops/device_all_reduce/device_all_reduce_kernel.h"
#include "runtime/devices/cuda_check.h"
#include "runtime/distributed/nccl_comms.h"

namespace graphrun {

namespace {

// One communicator per GPU of the set, in the set's order; live for the process, as the devices.
std::vector<ncclComm_t>& communicators_for(const std::vector<int>& physicals) {
  static std::mutex mutex;
  static std::map<std::vector<int>, std::vector<ncclComm_t>> made;
  std::lock_guard lock(mutex);
  auto it = made.find(physicals);
  if (it != made.end()) return it->second;
  std::vector<ncclComm_t> comms(physicals.size());
  ncclResult_t r = ncclCommInitAll(comms.data(), static_cast<int>(physicals.size()), physicals.data());
  if (r != ncclSuccess) fail("ncclCommInitAll over {} GPUs: {}", physicals.size(), ncclGetErrorString(r));
  return made.emplace(physicals, std::move(comms)).first->second;
}

class DeviceAllReduceNccl final : public DeviceAllReduceKernel {
 public:
  using DeviceAllReduceKernel::DeviceAllReduceKernel;

 private:
  void reduce(const std::vector<DeviceArrival>& group) override {
    std::vector<int> physicals;
    for (const DeviceArrival& a : group) {
      int physical = cuda_device(*a.device).physical();
      for (size_t k = 0; k < physicals.size(); ++k)
        if (physicals[k] == physical)
          fail("replicas {} and {} are on the same physical GPU {}: NCCL takes one rank per GPU (logical GPUs of "
               "one card are summed with AddN)",
               k + 1, a.replica + 1, physical);
      physicals.push_back(physical);
    }
    std::vector<ncclComm_t>& comms = communicators_for(physicals);
    const ncclDataType_t type = nccl_type(group[0].dtype);
    const size_t count = group[0].bytes / dtype_size(group[0].dtype);
    static std::mutex issue;
    std::lock_guard lock(issue);
    ncclResult_t r = ncclGroupStart();
    for (size_t k = 0; k < group.size() && r == ncclSuccess; ++k)
      r = ncclAllReduce(group[k].input, group[k].output, count, type, ncclSum, comms[k], cuda_stream(*group[k].device));
    ncclResult_t end = ncclGroupEnd();
    if (r == ncclSuccess) r = end;
    if (r != ncclSuccess) fail("ncclAllReduce: {}", ncclGetErrorString(r));
  }
};

GR_REGISTER_KERNEL(KernelBuilder("DeviceAllReduce", DeviceType::kCUDA, "nccl", 10)
                       .add_class<DeviceAllReduceNccl>(DType::kFloat32)
                       .add_class<DeviceAllReduceNccl>(DType::kFloat64));

}  // namespace
}  // namespace graphrun
