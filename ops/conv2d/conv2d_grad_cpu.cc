// oneDNN Conv2D gradients (float32, and bfloat16 for the mixed-precision pass): convolution_backward_data and convolution_backward_weights,
// each built once per node with the forward primitive descriptor as its hint. Layouts and
// reorders as explained in conv2d_onednn.h: dy is reordered by both backward kernels, which
// keeps the two ops independent (the executor may run them in parallel, and a layer whose
// input needs no gradient runs only the weights kernel); a reorder of dy costs a few percent of
// either convolution at AlexNet sizes.
#include "core/kernel_registry.h"
#include "ops/conv2d/conv2d_grad.h"
#include "ops/conv2d/conv2d_onednn.h"

namespace graphrun {

namespace {

using onednn::Staged;
using dnnl::memory;

Conv2DGeometry geometry(const NodeInfo& node) {
  return conv2d_backprop_geometry(node.attrs, node.inputs[0].shape, node.inputs[1].shape);
}

dnnl::convolution_backward_data::primitive_desc backward_data_pd(const Conv2DGeometry& g, memory::data_type dt) {
  namespace c = conv2d_onednn;
  dnnl::convolution_backward_data::desc op(dnnl::algorithm::convolution_direct, c::src_desc(g, dt),
                                           c::weights_desc(g, dt), c::dst_desc(g, dt), c::strides(g), c::dilates(g),
                                           c::padding(g), c::padding(g));
  return {op, onednn::engine(), c::forward_pd(g, dt)};
}

// `grad_dt`: the gradients' type, float32 from bfloat16 data where float32_gradients asks it
// (oneDNN accumulates in float32 either way).
dnnl::convolution_backward_weights::primitive_desc backward_weights_pd(const Conv2DGeometry& g, memory::data_type dt,
                                                                       memory::data_type grad_dt) {
  namespace c = conv2d_onednn;
  dnnl::convolution_backward_weights::desc op(dnnl::algorithm::convolution_direct, c::src_desc(g, dt),
                                              c::weights_desc(g, grad_dt), c::bias_desc(g, grad_dt), c::dst_desc(g, dt),
                                              c::strides(g), c::dilates(g), c::padding(g), c::padding(g));
  return {op, onednn::engine(), c::forward_pd(g, dt)};
}

// dx = convolution_backward_data(dy, weight); x is read only for its shape.
class Conv2DBackpropInputOneDnn final : public OpKernel {
 public:
  explicit Conv2DBackpropInputOneDnn(const NodeInfo& node)
      : g_(geometry(node)),
        pd_(backward_data_pd(g_, onednn::data_type(node.kernel_dtype()))),
        primitive_(pd_),
        weights_(conv2d_onednn::weights_desc(g_, onednn::data_type(node.kernel_dtype()), true), pd_.weights_desc(), false),
        dy_(onednn::desc_of(node.inputs[2]), pd_.diff_dst_desc(), false),
        dx_(onednn::desc_of(node.outputs[0]), pd_.diff_src_desc(), true) {}

  void compute(KernelContext& ctx) override {
    dnnl::stream& s = onednn::stream();
    primitive_.execute(s, {{DNNL_ARG_DIFF_DST, dy_.in(ctx.input(2), s)},
                           {DNNL_ARG_WEIGHTS, weights_.in(ctx.input(1), s)},
                           {DNNL_ARG_DIFF_SRC, dx_.out(ctx.output(0))}});
    dx_.finish(ctx.output(0), s);
    s.wait();
  }

 private:
  Conv2DGeometry g_;
  dnnl::convolution_backward_data::primitive_desc pd_;
  dnnl::convolution_backward_data primitive_;
  Staged weights_, dy_, dx_;
};

// (dweight, dbias) = convolution_backward_weights(x, dy).
class Conv2DBackpropFilterOneDnn final : public OpKernel {
 public:
  explicit Conv2DBackpropFilterOneDnn(const NodeInfo& node)
      : g_(geometry(node)),
        pd_(backward_weights_pd(g_, onednn::data_type(node.kernel_dtype()), onednn::data_type(node.outputs[0].dtype))),
        primitive_(pd_),
        x_(onednn::desc_of(node.inputs[0]), pd_.src_desc(), false),
        dy_(onednn::desc_of(node.inputs[2]), pd_.diff_dst_desc(), false),
        dweight_(conv2d_onednn::weights_desc(g_, pd_.diff_weights_desc().data_type(), true), pd_.diff_weights_desc(), true),
        dbias_(conv2d_onednn::bias_desc(g_, pd_.diff_bias_desc().data_type()), pd_.diff_bias_desc(), true) {}

  void compute(KernelContext& ctx) override {
    dnnl::stream& s = onednn::stream();
    primitive_.execute(s, {{DNNL_ARG_SRC, x_.in(ctx.input(0), s)},
                           {DNNL_ARG_DIFF_DST, dy_.in(ctx.input(2), s)},
                           {DNNL_ARG_DIFF_WEIGHTS, dweight_.out(ctx.output(0))},
                           {DNNL_ARG_DIFF_BIAS, dbias_.out(ctx.output(1))}});
    dweight_.finish(ctx.output(0), s);
    dbias_.finish(ctx.output(1), s);
    s.wait();
  }

 private:
  Conv2DGeometry g_;
  dnnl::convolution_backward_weights::primitive_desc pd_;
  dnnl::convolution_backward_weights primitive_;
  Staged x_, dy_, dweight_, dbias_;
};

// dy in either layout, and x too (only its shape is read); dx written in either.
GR_REGISTER_KERNEL(onednn::kernel_builder("Conv2DBackpropInput")
                       .any_layout({0, 2}, {0})
                       .add_class<Conv2DBackpropInputOneDnn>(DType::kFloat32)
                       .add_class<Conv2DBackpropInputOneDnn>(DType::kBFloat16));
// x and dy in either layout; the weight gradients are plain (the optimizer reads them).
GR_REGISTER_KERNEL(onednn::kernel_builder("Conv2DBackpropFilter")
                       .any_layout({0, 2}, {})
                       .add_class<Conv2DBackpropFilterOneDnn>(DType::kFloat32)
                       .add_class<Conv2DBackpropFilterOneDnn>(DType::kBFloat16));

}  // namespace
}  // namespace graphrun
