// ApplyMomentum on a CUDA stream (apply_momentum_cuda.cu); C++17-clean.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace graphrun::cuda {

// v <- momentum * v - weight_decay * lr * w - lr * grad; w <- w + v, with lr = *lr_ptr * lr_mult.
// The learning rate is read on the GPU (`lr_is_double` gives its dtype), so a schedule that
// feeds it each step costs no host synchronization.
template <typename T>
void apply_momentum(T* w, T* v, const T* grad, const void* lr, bool lr_is_double, double lr_mult, double momentum,
                    double weight_decay, int64_t n, cudaStream_t stream);

}  // namespace graphrun::cuda
