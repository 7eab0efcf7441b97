// oneDNN Conv2D (float32), primitive built once per node. The op descriptor asks for any layout
// of src, weights and dst so oneDNN picks its fastest implementation and layouts (on this
// AVX-512 machine: brgconv with NHWC activations and blocked weights; forcing plain NCHW gives
// the gemm path, 1.4 to 1.6x slower on AlexNet's convolutions). graphrun tensors are plain, so
// the input and weights are reordered in and the output out, each only when the chosen layout
// differs. The weights are reordered on every run because training updates them in place; at
// AlexNet sizes that costs under a tenth of the convolution.
#include "core/kernel_registry.h"
#include "ops/common/conv_geometry.h"
#include "ops/common/onednn.h"

namespace graphrun {

namespace {

using dnnl::memory;

// A plain tensor and the layout the primitive wants for it: a reorder and a buffer (allocated
// once) when they differ.
struct Staged {
  memory::desc plain;
  memory::desc chosen;
  memory buffer;          // in the chosen layout; empty when chosen == plain
  dnnl::reorder reorder;  // plain -> chosen for inputs, chosen -> plain for the output

  Staged(const memory::desc& plain_desc, const memory::desc& chosen_desc, bool is_output)
      : plain(plain_desc), chosen(chosen_desc) {
    if (plain == chosen) return;
    buffer = memory(chosen, onednn::engine());
    dnnl::engine& e = onednn::engine();
    reorder = is_output ? dnnl::reorder(dnnl::reorder::primitive_desc(e, chosen, e, plain))
                        : dnnl::reorder(dnnl::reorder::primitive_desc(e, plain, e, chosen));
  }
  bool staged() const { return static_cast<bool>(buffer); }
  // The memory the primitive reads: the tensor itself, or its reordered copy.
  memory in(const Tensor& tensor, dnnl::stream& s) {
    memory m = onednn::wrap(tensor, plain);
    if (!staged()) return m;
    reorder.execute(s, m, buffer);
    return buffer;
  }
  // The memory the primitive writes; finish() copies it to the tensor if staged.
  memory out(const Tensor& tensor) { return staged() ? buffer : onednn::wrap(tensor, plain); }
  void finish(const Tensor& tensor, dnnl::stream& s) {
    if (!staged()) return;
    memory m = onednn::wrap(tensor, plain);
    reorder.execute(s, buffer, m);
  }
};

dnnl::convolution_forward::primitive_desc make_pd(const Conv2DGeometry& g) {
  const auto f32 = memory::data_type::f32;
  const auto any = memory::format_tag::any;
  memory::desc src({g.n, g.c, g.h, g.w}, f32, any);
  memory::desc dst({g.n, g.filters, g.oh, g.ow}, f32, any);
  memory::desc weights = g.groups > 1 ? memory::desc({g.groups, g.f_per_group(), g.c_per_group(), g.kh, g.kw}, f32, any)
                                      : memory::desc({g.filters, g.c, g.kh, g.kw}, f32, any);
  memory::dims strides{g.sh, g.sw}, dilates{g.dh - 1, g.dw - 1}, pad{g.ph, g.pw};  // oneDNN: 0 = dense
  // PyTorch floors the output size; oneDNN accepts symmetric padding whose right side is then
  // partly unused, so the same padding goes on both sides.
  if (g.use_bias) {
    memory::desc bias({g.filters}, f32, memory::format_tag::a);
    dnnl::convolution_forward::desc op(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src,
                                       weights, bias, dst, strides, dilates, pad, pad);
    return {op, onednn::engine()};
  }
  dnnl::convolution_forward::desc op(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src,
                                     weights, dst, strides, dilates, pad, pad);
  return {op, onednn::engine()};
}

memory::desc plain_weights(const Conv2DGeometry& g) {
  const auto f32 = memory::data_type::f32;
  // The same OIHW buffer seen as [G, F/G, C/G, kh, kw] for grouped convolutions.
  return g.groups > 1
             ? memory::desc({g.groups, g.f_per_group(), g.c_per_group(), g.kh, g.kw}, f32, memory::format_tag::goihw)
             : memory::desc({g.filters, g.c, g.kh, g.kw}, f32, memory::format_tag::oihw);
}

class Conv2DOneDnn final : public OpKernel {
 public:
  explicit Conv2DOneDnn(const NodeInfo& node)
      : g_(conv2d_geometry(node.attrs, node.inputs[0].shape)),
        pd_(make_pd(g_)),
        primitive_(pd_),
        src_(onednn::plain_desc(DType::kFloat32, node.inputs[0].shape), pd_.src_desc(), false),
        weights_(plain_weights(g_), pd_.weights_desc(), false),
        dst_(onednn::plain_desc(DType::kFloat32, node.outputs[0].shape), pd_.dst_desc(), true) {
    if (g_.use_bias) bias_desc_ = onednn::plain_desc(DType::kFloat32, Shape{g_.filters});
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
  dnnl::convolution_forward::primitive_desc pd_;
  dnnl::convolution_forward primitive_;
  Staged src_, weights_, dst_;
  memory::desc bias_desc_;
};

GR_REGISTER_KERNEL(KernelBuilder("Conv2D", DeviceType::kCPU, "onednn", 10)
                       .supports([](const NodeInfo& node) { return onednn::float32_only(node.kernel_dtype()); })
                       .add_class<Conv2DOneDnn>(DType::kFloat32));

}  // namespace
}  // namespace graphrun
