#include "runtime/passes/builtin_kernel.h"

#include "core/device.h"
#include "core/kernel_registry.h"

namespace graphrun {

bool runs_builtin_onednn(const Node& node, const std::string& op, DType dtype) {
  const DeviceName device = parse_device_name(node.device);
  if (device.type != DeviceType::kCPU) return false;
  const std::vector<const KernelDef*> kernels = KernelRegistry::global().find(op, device.type, dtype);
  return !kernels.empty() && kernels[0]->label == "onednn" && kernels[0]->library == "builtin";
}

}  // namespace graphrun
