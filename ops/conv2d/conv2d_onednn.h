// oneDNN glue shared by the Conv2D kernels (forward, backward data, backward weights).
//
// Each primitive's descriptor asks for any layout of its big tensors so oneDNN picks its fastest
// implementation and layouts (on AVX-512 machines: jit:avx512_core with nChw16c activations and
// blocked weights for all three passes). Forcing plain NCHW gives the gemm path: 1.4 to 1.6x
// slower forward, and backward-weights 2 to 10x slower on AlexNet's layers. Each tensor is
// reordered in or out only when the chosen layout differs from the one it lies in: plain, or
// nChw16c where the blocked-layout pass kept oneDNN's layout between kernels (core/layout.h);
// weights always lie plain (the optimizer updates them). The
// backward primitives take the forward primitive descriptor as the hint oneDNN 2.6 requires, so
// all three agree on layouts.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include "ops/common/conv_geometry.h"
#include "ops/common/onednn.h"

namespace graphrun::conv2d_onednn {

using dnnl::memory;

inline memory::dims strides(const Conv2DGeometry& g) { return {g.sh, g.sw}; }
inline memory::dims dilates(const Conv2DGeometry& g) { return {g.dh - 1, g.dw - 1}; }  // oneDNN: 0 = dense
// PyTorch floors the output size; oneDNN accepts symmetric padding whose right side is then
// partly unused, so the same padding goes on both sides.
inline memory::dims padding(const Conv2DGeometry& g) { return {g.ph, g.pw}; }

// `dt`: every tensor of a convolution has the kernel's dtype (f32, or bf16 under the
// mixed-precision pass; oneDNN accumulates bf16 products in f32 either way).
inline memory::desc src_desc(const Conv2DGeometry& g, memory::data_type dt) {
  return memory::desc({g.n, g.c, g.h, g.w}, dt, memory::format_tag::any);
}
inline memory::desc dst_desc(const Conv2DGeometry& g, memory::data_type dt) {
  return memory::desc({g.n, g.filters, g.oh, g.ow}, dt, memory::format_tag::any);
}
// Grouped convolutions see the same OIHW buffer as [G, F/G, C/G, kh, kw].
inline memory::desc weights_desc(const Conv2DGeometry& g, memory::data_type dt, bool plain = false) {
  const auto any = memory::format_tag::any;
  if (g.groups > 1)
    return memory::desc({g.groups, g.f_per_group(), g.c_per_group(), g.kh, g.kw}, dt,
                        plain ? memory::format_tag::goihw : any);
  return memory::desc({g.filters, g.c, g.kh, g.kw}, dt, plain ? memory::format_tag::oihw : any);
}
inline memory::desc bias_desc(const Conv2DGeometry& g, memory::data_type dt) {
  return memory::desc({g.filters}, dt, memory::format_tag::a);
}

// The forward primitive descriptor: the forward kernel's own, and the backward kernels' hint.
// forward_training for both, so the hint is exactly the forward the backward pass follows
// (a convolution computes the same either way; it keeps no workspace).
inline dnnl::convolution_forward::primitive_desc forward_pd(const Conv2DGeometry& g, memory::data_type dt,
                                                            const dnnl::primitive_attr& attr = {}) {
  const auto kind = dnnl::prop_kind::forward_training;
  const auto algo = dnnl::algorithm::convolution_direct;
  if (g.use_bias) {
    dnnl::convolution_forward::desc op(kind, algo, src_desc(g, dt), weights_desc(g, dt), bias_desc(g, dt), dst_desc(g, dt),
                                       strides(g), dilates(g), padding(g), padding(g));
    return {op, attr, onednn::engine()};
  }
  dnnl::convolution_forward::desc op(kind, algo, src_desc(g, dt), weights_desc(g, dt), dst_desc(g, dt), strides(g),
                                     dilates(g), padding(g), padding(g));
  return {op, attr, onednn::engine()};
}

// Conv2DRelu's attribute: max(y, 0) as an eltwise post-op on the convolution's output.
inline dnnl::primitive_attr relu_post_op() {
  dnnl::post_ops ops;
  ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  return attr;
}

}  // namespace graphrun::conv2d_onednn
