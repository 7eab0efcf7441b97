// Geometry of Conv2D's backward ops (Conv2DBackpropInput, Conv2DBackpropFilter). They take
// (x, weight, dy) and the forward's stride, pad, dilation and groups: filters and kernel come
// from the weight's shape, so no attr depends on the batch or duplicates a tensor's shape.
#pragma once

#include "core/attrs.h"
#include "ops/common/conv_geometry.h"

namespace graphrun {

// x [N, C, H, W] and weight [F, C/groups, kh, kw] must have rank 4 (the caller checks).
Conv2DGeometry conv2d_backprop_geometry(const AttrMap& attrs, const Shape& x, const Shape& weight);

}  // namespace graphrun
