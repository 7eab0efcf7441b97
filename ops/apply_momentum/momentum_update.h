// The element update of ApplyMomentum, shared by ApplyMomentum and FusedApplyMomentum on the
// CPU and in CUDA kernels, so the fused update is bit for bit the per-variable one.
// C++17-clean: apply_momentum_cuda.cu includes it (core/random.h only for GR_HOST_DEVICE).
#pragma once

#include <cstdint>

#include "core/random.h"

namespace graphrun::momentum {

// The step's scalars in the element type: formed in double, then rounded to T once.
template <typename T>
struct Coefficients {
  T momentum, decay, step;
};

// lr' = lr * lr_mult, wd' = weight_decay * decay_mult: momentum, wd' * lr' and lr' as T.
template <typename T>
GR_HOST_DEVICE inline Coefficients<T> coefficients(double lr, double lr_mult, double momentum, double weight_decay,
                                                   double decay_mult) {
  double rate = lr * lr_mult, decay = weight_decay * decay_mult;
  return {static_cast<T>(momentum), static_cast<T>(decay * rate), static_cast<T>(rate)};
}

// v <- momentum * v - wd' * lr' * w - lr' * grad;  w <- w + v
template <typename T>
GR_HOST_DEVICE inline void update(T& w, T& v, T grad, const Coefficients<T>& c) {
  T next = c.momentum * v - c.decay * w - c.step * grad;
  v = next;
  w += next;
}

}  // namespace graphrun::momentum
