#include "ops/common/conv_geometry.h"

#include <limits>

#include "core/error.h"

namespace graphrun {

int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation) {
  // 128-bit arithmetic: every int64 attr combination fits, so no intermediate can overflow.
  __int128 extent = static_cast<__int128>(dilation) * (kernel - 1) + 1;
  __int128 padded = static_cast<__int128>(in) + 2 * static_cast<__int128>(pad);
  if (padded < extent || stride <= 0) return 0;
  __int128 out = (padded - extent) / stride + 1;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  return out > kMax ? kMax : static_cast<int64_t>(out);
}

Conv2DGeometry conv2d_geometry(const AttrMap& attrs, const Shape& input) {
  GR_CHECK(input.rank() == 4, "Conv2D input {} is not rank 4", input.str());
  Conv2DGeometry g;
  g.n = input[0], g.c = input[1], g.h = input[2], g.w = input[3];
  g.filters = attrs.i("filters");
  g.groups = attrs.i("groups");
  auto kernel = attrs.ints("kernel"), stride = attrs.ints("stride"), pad = attrs.ints("pad"),
       dilation = attrs.ints("dilation");
  g.kh = kernel.at(0), g.kw = kernel.at(1);
  g.sh = stride.at(0), g.sw = stride.at(1);
  g.ph = pad.at(0), g.pw = pad.at(1);
  g.dh = dilation.at(0), g.dw = dilation.at(1);
  g.use_bias = attrs.b("use_bias");
  g.oh = conv_output_size(g.h, g.kh, g.sh, g.ph, g.dh);
  g.ow = conv_output_size(g.w, g.kw, g.sw, g.pw, g.dw);
  return g;
}

}  // namespace graphrun
