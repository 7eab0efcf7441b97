// CUDA Add and AddN. AddN adds its inputs pairwise into the output in input order, the order of
// the reference, so float32 sums round the same way.
#include "core/kernel_registry.h"
#include "ops/add/add_cuda.h"
#include "runtime/devices/cuda_check.h"
#include "runtime/devices/cuda_device.h"

namespace graphrun {

namespace {

template <typename T>
class AddNCuda final : public OpKernel {
 public:
  explicit AddNCuda(const NodeInfo&) {}
  void compute(KernelContext& ctx) override {
    cudaStream_t stream = cuda_stream(ctx.device());
    Tensor& y = ctx.output(0);
    int64_t n = y.num_elements();
    if (ctx.num_inputs() == 1) {
      GR_CUDA_CHECK(cudaMemcpyAsync(y.raw(), ctx.input(0).raw(), y.bytes(), cudaMemcpyDeviceToDevice, stream));
      return;
    }
    cuda::add(ctx.input(0).data<T>(), ctx.input(1).data<T>(), y.data<T>(), n, stream);
    for (int k = 2; k < ctx.num_inputs(); ++k) cuda::add(y.data<T>(), ctx.input(k).data<T>(), y.data<T>(), n, stream);
  }
};

GR_REGISTER_KERNEL(KernelBuilder("Add", DeviceType::kCUDA, "cuda", 10).float_types<AddNCuda>());
GR_REGISTER_KERNEL(KernelBuilder("AddN", DeviceType::kCUDA, "cuda", 10).float_types<AddNCuda>());

}  // namespace
}  // namespace graphrun
