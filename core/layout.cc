#include "core/layout.h"

#include <cstring>

#include "core/error.h"
#include "core/op_registry.h"
#include "core/tensor.h"

namespace graphrun {

bool can_block(const TensorInfo& info) {
  return info.shape.rank() == 4 && info.shape[1] > 0 && info.shape[1] % kChannelBlock == 0;
}

namespace {

// Copies element (n, c, hw) between the plain offset ((n * C + c) * HW + hw) and the blocked one
// (((n * C/16 + c/16) * HW + hw) * 16 + c%16), in the direction asked.
Tensor relayout(const Tensor& source, bool to_blocked) {
  const Shape& s = source.shape();
  GR_CHECK(s.rank() == 4 && s[1] % kChannelBlock == 0, "a {} tensor cannot be channel-blocked", s.str());
  Tensor out(source.dtype(), s);
  const size_t size = dtype_size(source.dtype());
  const int64_t channels = s[1], hw = s[2] * s[3];
  const auto* in = static_cast<const char*>(source.raw());
  auto* dst = static_cast<char*>(out.raw());
  for (int64_t n = 0; n < s[0]; ++n)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t p = 0; p < hw; ++p) {
        const int64_t plain = (n * channels + c) * hw + p;
        const int64_t blocked = ((n * (channels / kChannelBlock) + c / kChannelBlock) * hw + p) * kChannelBlock +
                                c % kChannelBlock;
        const int64_t from = to_blocked ? plain : blocked, to = to_blocked ? blocked : plain;
        std::memcpy(dst + to * size, in + from * size, size);
      }
  return out;
}

}  // namespace

Tensor to_blocked(const Tensor& plain) { return relayout(plain.to_host(), true); }
Tensor to_plain(const Tensor& blocked) { return relayout(blocked.to_host(), false); }

}  // namespace graphrun
