// CUDA Relu and ReluGrad: elementwise kernels (relu_cuda.cu) on the device's stream.
#include "core/kernel_registry.h"
#include "ops/relu/relu_cuda.h"
#include "runtime/devices/cuda_device.h"

namespace graphrun {

namespace {

template <typename T>
class ReluCuda final : public OpKernel {
 public:
  explicit ReluCuda(const NodeInfo&) {}
  void compute(KernelContext& ctx) override {
    cudaStream_t stream = cuda_stream(ctx.device());
    cuda::relu(ctx.input(0).data<T>(), ctx.output(0).data<T>(), ctx.input(0).num_elements(), stream);
  }
};

template <typename T>
class ReluGradCuda final : public OpKernel {
 public:
  explicit ReluGradCuda(const NodeInfo&) {}
  void compute(KernelContext& ctx) override {
    cudaStream_t stream = cuda_stream(ctx.device());
    cuda::relu_grad(ctx.input(0).data<T>(), ctx.input(1).data<T>(), ctx.output(0).data<T>(),
                    ctx.input(0).num_elements(), stream);
  }
};

GR_REGISTER_KERNEL(KernelBuilder("Relu", DeviceType::kCUDA, "cuda", 10).float_types<ReluCuda>());
GR_REGISTER_KERNEL(KernelBuilder("ReluGrad", DeviceType::kCUDA, "cuda", 10).float_types<ReluGradCuda>());

}  // namespace
}  // namespace graphrun
