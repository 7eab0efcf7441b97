// CUDA Concat: each input is `outer` runs of (its axis size x inner) elements that land at a
// fixed column of the output's rows, which is a 2-D strided copy: one cudaMemcpy2DAsync per
// input on the device's stream, no kernel of our own.
#include "core/kernel_registry.h"
#include "ops/common/axis.h"
#include "runtime/devices/cuda_check.h"
#include "runtime/devices/cuda_device.h"

namespace graphrun {

namespace {

template <typename T>
class ConcatCuda final : public OpKernel {
 public:
  explicit ConcatCuda(const NodeInfo& node) {
    const Shape& out = node.outputs[0].shape;
    int axis = axis::normalize(node.attrs.i("axis"), out.rank());
    outer_ = out.product(0, axis);
    for (const auto& in : node.inputs) runs_.push_back(in.shape.product(axis, in.shape.rank()));
    for (int64_t run : runs_) row_ += run;
  }
  void compute(KernelContext& ctx) override {
    cudaStream_t stream = cuda_stream(ctx.device());
    char* y = static_cast<char*>(ctx.output(0).raw());
    size_t pitch = static_cast<size_t>(row_) * sizeof(T), column = 0;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      size_t width = static_cast<size_t>(runs_[i]) * sizeof(T);
      if (width > 0 && outer_ > 0)
        GR_CUDA_CHECK(cudaMemcpy2DAsync(y + column, pitch, ctx.input(i).raw(), width, width,
                                        static_cast<size_t>(outer_), cudaMemcpyDeviceToDevice, stream));
      column += width;
    }
  }

 private:
  int64_t outer_ = 1;
  int64_t row_ = 0;            // elements of one output row (per outer index)
  std::vector<int64_t> runs_;  // elements per outer index, per input
};

GR_REGISTER_KERNEL(KernelBuilder("Concat", DeviceType::kCUDA, "cuda", 10)
                       .float_types<ConcatCuda>()
                       .add<int32_t, ConcatCuda>()
                       .add<int64_t, ConcatCuda>());

}  // namespace
}  // namespace graphrun
