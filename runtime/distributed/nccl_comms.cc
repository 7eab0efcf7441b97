#include "runtime/distributed/nccl_comms.h"

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "runtime/distributed/communicator.h"

namespace graphrun {

ncclDataType_t nccl_type(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return ncclFloat;
    case DType::kFloat64: return ncclDouble;
    default: fail("NCCL all-reduce of {} tensors: float32 and float64 only", dtype_name(dtype));
  }
}

NcclComm& nccl_comm_for(CudaDevice& device) {
  static std::mutex mutex;
  static std::map<int, NcclComm> comms;  // by logical ordinal; live for the process, as the devices
  std::lock_guard lock(mutex);
  const int ordinal = device.name().ordinal;
  if (auto it = comms.find(ordinal); it != comms.end()) return it->second;
  Communicator& world = Communicator::world();
  const std::string where = fmt::format("gpu:{} across {} ranks", ordinal, world.size());
  ncclUniqueId id{};
  if (world.rank() == 0) {
    ncclResult_t r = ncclGetUniqueId(&id);
    if (r != ncclSuccess) fail("NCCL for {}: ncclGetUniqueId: {}", where, ncclGetErrorString(r));
  }
  world.broadcast(&id, sizeof id, 0, fmt::format("NCCL's id for {}", where));
  NcclComm c;
  c.physical = device.physical();
  device.activate();
  if (cudaStreamCreateWithFlags(&c.stream, cudaStreamNonBlocking) != cudaSuccess)
    fail("NCCL for {}: cannot create its stream", where);
  // Non-blocking initialisation, polled against --comm-timeout: a rank that never comes is an
  // error, not a hang.
  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = 0;
  ncclResult_t r = ncclCommInitRankConfig(&c.comm, world.size(), id, world.rank(), &config);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(world.timeout());
  while (r == ncclInProgress || r == ncclSuccess) {
    ncclResult_t state = ncclSuccess;
    r = ncclCommGetAsyncError(c.comm, &state);
    if (r != ncclSuccess) break;
    if (state != ncclInProgress) {
      r = state;
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ncclCommAbort(c.comm);
      fail("NCCL for {}: the ranks did not meet within {:g} s (--comm-timeout)", where, world.timeout());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (r != ncclSuccess)
    fail("NCCL for {}: {} (NCCL takes one rank per physical GPU: give each rank its own with --devices and the "
         "local rank's GPUs)",
         where, ncclGetErrorString(r));
  return comms.emplace(ordinal, c).first->second;
}

}  // namespace graphrun
