#pragma once
// The `_pre_down` input smoothing: reflect-pad one row at the top and the bottom (row -1 =
// row 1, row H = row H-2; no column padding), then a depthwise 5x5 convolution with stride 2,
// no padding, no bias.
#include <memory>
#include <span>

#include "ffnet/core/tensor.hpp"
#include "ops/op.hpp"

namespace ffnet::ops {

inline constexpr int kSmoothingTaps = 5;

// Throws ffnet::Error(input) when the input is too small (H < 3 or W < 5).
Dims smoothing_output_dims(Dims in);

// weight: [channels][5][5] (the checkpoint's [C, 1, 5, 5]).
std::unique_ptr<Op> make_pre_down_smooth(std::span<const float> weight, int channels, const OpConfig& config);

}  // namespace ffnet::ops
