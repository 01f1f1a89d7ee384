#pragma once
// Resizing to an arbitrary size with PyTorch's exact index rules (F.interpolate).
#include <memory>

#include "ffnet/core/tensor.hpp"
#include "ops/op.hpp"

namespace ffnet::ops {

enum class ResizeMode {
  bilinear_align_corners,  // mode="bilinear", align_corners=True
  nearest,                 // mode="nearest" (not "nearest-exact")
};

// out = resize(in) to out's height and width (channels must match); with a second input `add`
// of the output's dims, out = resize(in) + add (the Up-head's x + f).
std::unique_ptr<Op> make_resize(ResizeMode mode, const OpConfig& config);

}  // namespace ffnet::ops
