// Reference Dropout: regenerates the counter-based mask per element; at inference the output
// aliases the input (no copy). A training run after an inference run gets a fresh output
// buffer from KernelContext::output, which never hands out a buffer shared with another tensor.
#include "core/kernel_registry.h"
#include "ops/dropout/dropout_mask.h"

namespace graphrun {

namespace {

template <typename T>
class DropoutRef final : public OpKernel {
 public:
  explicit DropoutRef(const NodeInfo& node) : name_(node.name), rate_(node.attrs.f("rate")) {}
  void compute(KernelContext& ctx) override {
    if (!ctx.training()) {
      ctx.set_output(0, ctx.input(0));
      return;
    }
    uint64_t key = dropout::mask_key(ctx.seed(), ctx.step(), name_);
    T scale = static_cast<T>(dropout::scale(rate_));
    const T* x = ctx.input(0).data<T>();
    T* y = ctx.output(0).data<T>();
    for (int64_t i = 0, n = ctx.input(0).num_elements(); i < n; ++i)
      y[i] = dropout::keep(key, i, rate_) ? x[i] * scale : T(0);
  }

 private:
  std::string name_;
  double rate_;
};

// The forward's loop with the forward node's key: the same elements survive, with the same scale.
template <typename T>
class DropoutGradRef final : public OpKernel {
 public:
  explicit DropoutGradRef(const NodeInfo& node)
      : forward_node_(node.attrs.s("forward_node")), rate_(node.attrs.f("rate")) {}
  void compute(KernelContext& ctx) override {
    if (!ctx.training()) {
      ctx.set_output(0, ctx.input(0));
      return;
    }
    uint64_t key = dropout::mask_key(ctx.seed(), ctx.step(), forward_node_);
    T scale = static_cast<T>(dropout::scale(rate_));
    const T* dy = ctx.input(0).data<T>();
    T* dx = ctx.output(0).data<T>();
    for (int64_t i = 0, n = ctx.input(0).num_elements(); i < n; ++i)
      dx[i] = dropout::keep(key, i, rate_) ? dy[i] * scale : T(0);
  }

 private:
  std::string forward_node_;
  double rate_;
};

GR_REGISTER_KERNEL(KernelBuilder("Dropout", DeviceType::kCPU, "reference").float_types<DropoutRef>());
GR_REGISTER_KERNEL(KernelBuilder("DropoutGrad", DeviceType::kCPU, "reference").float_types<DropoutGradRef>());

}  // namespace
}  // namespace graphrun
