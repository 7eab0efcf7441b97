// Reference Dropout: regenerates the counter-based mask per element; at inference the output
// aliases the input (no copy). A training run after an inference run gets a fresh output
// buffer from KernelContext::output, which never hands out a buffer shared with another tensor.
#include "core/kernel_registry.h"
#include "ops/dropout/dropout_node.h"

namespace graphrun {

namespace {

// Dropout and DropoutGrad are the same loop: keep element i, scaled, where the mask keyed by
// the forward node's name says so (dropout_node.h names it).
template <typename T>
class MaskKernel final : public OpKernel {
 public:
  explicit MaskKernel(const NodeInfo& node) : mask_(node) {}
  void compute(KernelContext& ctx) override {
    if (!ctx.training()) {
      ctx.set_output(0, ctx.input(0));
      return;
    }
    uint64_t key = mask_.key(ctx);
    T scale = static_cast<T>(dropout::scale(mask_.rate));
    const T* x = ctx.input(0).data<T>();
    T* y = ctx.output(0).data<T>();
    for (int64_t i = 0, n = ctx.input(0).num_elements(); i < n; ++i)
      y[i] = dropout::keep(key, mask_.slice.logical_index(i), mask_.rate) ? x[i] * scale : T(0);
  }

 private:
  dropout::MaskNode mask_;
};

GR_REGISTER_KERNEL(KernelBuilder("Dropout", DeviceType::kCPU, "reference").float_types<MaskKernel>());
GR_REGISTER_KERNEL(KernelBuilder("DropoutGrad", DeviceType::kCPU, "reference").float_types<MaskKernel>());

}  // namespace
}  // namespace graphrun
