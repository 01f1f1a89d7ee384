#pragma once
// Resizing to an arbitrary size with PyTorch's exact index rules (F.interpolate).
#include "ffnet/core/tensor.hpp"

namespace ffnet::ops {

enum class ResizeMode {
  bilinear_align_corners,  // mode="bilinear", align_corners=True
  nearest,                 // mode="nearest" (not "nearest-exact")
};

// out = resize(in) to out's height and width (channels must match). When add.data is not
// null, out = resize(in) + add, with add of the same dims as out (the Up-head's x + f).
void resize(ResizeMode mode, ConstView in, View out, ConstView add, int threads);

}  // namespace ffnet::ops
