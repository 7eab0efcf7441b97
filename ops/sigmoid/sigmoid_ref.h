// Sigmoid's reference kernels, written against the plugin SDK's kernel context: plain loops,
// float32 and float64 (registered in sigmoid_def.cc's plugin-style init function).
#pragma once

#include <graphrun/plugin.hpp>

#include <cmath>

namespace graphrun::sigmoid_ref {

namespace gp = graphrun::plugin;

template <typename T>
void sigmoid(gp::KernelContext& ctx) {
  const T* x = ctx.input(0).data<T>();
  gp::Tensor out = ctx.output(0);
  T* y = out.data<T>();
  for (int64_t i = 0, n = out.num_elements(); i < n; ++i) y[i] = T(1) / (T(1) + std::exp(-x[i]));
}

template <typename T>
void sigmoid_grad(gp::KernelContext& ctx) {
  const T* dy = ctx.input(0).data<T>();
  const T* y = ctx.input(1).data<T>();
  gp::Tensor out = ctx.output(0);
  T* dx = out.data<T>();
  for (int64_t i = 0, n = out.num_elements(); i < n; ++i) dx[i] = dy[i] * y[i] * (T(1) - y[i]);
}

}  // namespace graphrun::sigmoid_ref
