// ApplyMomentum's element update over a whole variable on the host, split across TBB's threads.
// The update reads three arrays and writes two, the size of the model each (AlexNet's 61 M
// parameters: 1.2 GB a step), and runs after every gradient, when nothing else does: one core
// alone could not use the memory bandwidth. Each element is updated the same way whichever
// thread takes it, so the values do not depend on the split.
#pragma once

#include <tbb/parallel_for.h>

#include "ops/apply_momentum/momentum_update.h"

namespace graphrun::momentum {

template <typename T>
inline void update_all(T* w, T* v, const T* grad, int64_t n, const Coefficients<T>& c) {
  constexpr int64_t kGrain = int64_t{1} << 16;  // 256 KiB of float32 per array: small variables stay on one thread
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, n, kGrain), [&](const tbb::blocked_range<int64_t>& r) {
    for (int64_t i = r.begin(); i < r.end(); ++i) update(w[i], v[i], grad[i], c);
  });
}

}  // namespace graphrun::momentum
