// oneDNN glue shared by the Conv2D kernels (forward, backward data, backward weights).
//
// Each primitive's descriptor asks for any layout of its big tensors so oneDNN picks its fastest
// implementation and layouts (on AVX-512 machines: jit:avx512_core with nChw16c activations and
// blocked weights for all three passes). Forcing plain NCHW gives the gemm path: 1.4 to 1.6x
// slower forward, and backward-weights 2 to 10x slower on AlexNet's layers. graphrun tensors are
// plain, so each tensor is reordered in or out only when the chosen layout differs; at AlexNet
// sizes all reorders of a training step together cost under 5% of its convolutions. The
// backward primitives take the forward primitive descriptor as the hint oneDNN 2.6 requires, so
// all three agree on layouts.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include "ops/common/conv_geometry.h"
#include "ops/common/onednn.h"

namespace graphrun::conv2d_onednn {

using dnnl::memory;

// A plain tensor and the layout a primitive wants for it: a reorder and a buffer (allocated
// once) when they differ.
struct Staged {
  memory::desc plain;
  memory::desc chosen;
  memory buffer;          // in the chosen layout; empty when chosen == plain
  dnnl::reorder reorder;  // plain -> chosen for inputs, chosen -> plain for outputs

  Staged() = default;
  Staged(const memory::desc& plain_desc, const memory::desc& chosen_desc, bool is_output)
      : plain(plain_desc), chosen(chosen_desc) {
    if (plain == chosen) return;
    buffer = memory(chosen, onednn::engine());
    dnnl::engine& e = onednn::engine();
    reorder = is_output ? dnnl::reorder(dnnl::reorder::primitive_desc(e, chosen, e, plain))
                        : dnnl::reorder(dnnl::reorder::primitive_desc(e, plain, e, chosen));
  }
  bool staged() const { return static_cast<bool>(buffer); }
  // The memory the primitive reads: the tensor itself, or its reordered copy. Inputs are
  // reordered on every run: training updates weights in place, and activations change anyway.
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
inline dnnl::convolution_forward::primitive_desc forward_pd(const Conv2DGeometry& g, memory::data_type dt) {
  const auto kind = dnnl::prop_kind::forward_training;
  const auto algo = dnnl::algorithm::convolution_direct;
  if (g.use_bias) {
    dnnl::convolution_forward::desc op(kind, algo, src_desc(g, dt), weights_desc(g, dt), bias_desc(g, dt), dst_desc(g, dt),
                                       strides(g), dilates(g), padding(g), padding(g));
    return {op, onednn::engine()};
  }
  dnnl::convolution_forward::desc op(kind, algo, src_desc(g, dt), weights_desc(g, dt), dst_desc(g, dt), strides(g),
                                     dilates(g), padding(g), padding(g));
  return {op, onednn::engine()};
}

}  // namespace graphrun::conv2d_onednn
