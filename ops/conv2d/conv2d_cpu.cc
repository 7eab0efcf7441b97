// oneDNN Conv2D and Conv2DRelu (the ReLU as a post-op) (float32, and bfloat16 for the
// mixed-precision pass), primitive built once per node; layouts and reorders as explained in
// conv2d_onednn.h. The weights are reordered on every run because training updates them in
// place; at AlexNet sizes that costs under a tenth of the convolution.
#include "core/kernel_registry.h"
#include "ops/conv2d/conv2d_onednn.h"

namespace graphrun {

namespace {

using onednn::Staged;
using dnnl::memory;

class Conv2DOneDnn final : public OpKernel {
 public:
  explicit Conv2DOneDnn(const NodeInfo& node)
      : g_(conv2d_geometry(node.attrs, node.inputs[0].shape)),
        dt_(onednn::data_type(node.kernel_dtype())),
        pd_(conv2d_onednn::forward_pd(g_, dt_, node.op == "Conv2DRelu" ? conv2d_onednn::relu_post_op()
                                                                        : dnnl::primitive_attr())),
        primitive_(pd_),
        src_(onednn::desc_of(node.inputs[0]), pd_.src_desc(), false),
        weights_(conv2d_onednn::weights_desc(g_, dt_, true), pd_.weights_desc(), false),
        dst_(onednn::desc_of(node.outputs[0]), pd_.dst_desc(), true) {
    if (g_.use_bias) bias_desc_ = conv2d_onednn::bias_desc(g_, dt_);
  }

  void compute(KernelContext& ctx) override {
    dnnl::stream& s = onednn::stream();
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src_.in(ctx.input(0), s)},
                                         {DNNL_ARG_WEIGHTS, weights_.in(ctx.input(1), s)},
                                         {DNNL_ARG_DST, dst_.out(ctx.output(0))}};
    if (g_.use_bias) args.emplace(DNNL_ARG_BIAS, onednn::wrap(ctx.input(2), bias_desc_));
    primitive_.execute(s, args);
    dst_.finish(ctx.output(0), s);
    s.wait();
  }

 private:
  Conv2DGeometry g_;
  memory::data_type dt_;
  dnnl::convolution_forward::primitive_desc pd_;
  dnnl::convolution_forward primitive_;
  Staged src_, weights_, dst_;
  memory::desc bias_desc_;
};

// x and y in either layout (the primitive reorders what is not in its own). A Relu reading y
// becomes a post-op of the convolution: the two nodes become one Conv2DRelu.
GR_REGISTER_KERNEL(onednn::kernel_builder("Conv2D")
                       .any_layout({0}, {0})
                       .fuses_activation("Relu", "Conv2DRelu")
                       .add_class<Conv2DOneDnn>(DType::kFloat32)
                       .add_class<Conv2DOneDnn>(DType::kBFloat16));
GR_REGISTER_KERNEL(onednn::kernel_builder("Conv2DRelu")
                       .any_layout({0}, {0})
                       .add_class<Conv2DOneDnn>(DType::kFloat32)
                       .add_class<Conv2DOneDnn>(DType::kBFloat16));

}  // namespace
}  // namespace graphrun
