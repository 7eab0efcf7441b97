// oneDNN Cast between float32 and bfloat16: a reorder, vectorized (vcvtneps2bf16 where the CPU
// has AVX512_BF16) and threaded. The mixed-precision pass casts every weight and the activations
// at its borders each step: AlexNet's fc6 weight alone is 38M elements, which the reference
// loop converts in 90 ms on 2 cores and the reorder in a fraction of that.
#include "core/kernel_registry.h"
#include "ops/common/onednn.h"

namespace graphrun {

namespace {

bool float32_or_bfloat16(DType dtype) { return dtype == DType::kFloat32 || dtype == DType::kBFloat16; }

class CastOneDnn final : public OpKernel {
 public:
  explicit CastOneDnn(const NodeInfo& node) {
    // Elementwise: the tensor as one row, whatever its rank.
    const Shape flat{node.inputs[0].shape.num_elements()};
    from_ = onednn::plain_desc(node.inputs[0].dtype, flat);
    to_ = onednn::plain_desc(node.outputs[0].dtype, flat);
    dnnl::engine& e = onednn::engine();
    reorder_ = dnnl::reorder(dnnl::reorder::primitive_desc(e, from_, e, to_));
  }
  void compute(KernelContext& ctx) override {
    onednn::execute(reorder_, {{DNNL_ARG_FROM, onednn::wrap(ctx.input(0), from_)},
                               {DNNL_ARG_TO, onednn::wrap(ctx.output(0), to_)}});
  }

 private:
  dnnl::memory::desc from_, to_;
  dnnl::reorder reorder_;
};

GR_REGISTER_KERNEL(KernelBuilder("Cast", DeviceType::kCPU, "onednn", 10)
                       .supports([](const NodeInfo& node) -> std::string {
                         if (float32_or_bfloat16(node.inputs[0].dtype) && float32_or_bfloat16(node.outputs[0].dtype))
                           return "";
                         return "oneDNN casts float32 and bfloat16 only";
                       })
                       .add_class<CastOneDnn>(DType::kFloat32)
                       .add_class<CastOneDnn>(DType::kBFloat16));

}  // namespace
}  // namespace graphrun
