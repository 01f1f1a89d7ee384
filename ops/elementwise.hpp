#pragma once
// Element-wise and data-movement ops: add, channel concat, the fully connected layer.
#include <memory>
#include <span>

#include "ffnet/core/tensor.hpp"
#include "ops/op.hpp"

namespace ffnet::ops {

// out = a + b (inputs a and b of the output's dims; out may alias either).
std::unique_ptr<Op> make_add(const OpConfig& config);

// out = [in0; in1; ...] along channels: heights and widths match, channels sum to the output's.
// dtype f32 (channel-major maps), or u8 (channels-last maps: each output pixel interleaves the
// inputs' pixels; they must share one scale and zero point, the graph sees to it).
std::unique_ptr<Op> make_concat(const OpConfig& config, DType dtype = DType::f32);

// y[o] = bias[o] + sum_i weight[o * in_features + i] * x[i]: input in_features x 1 x 1, output
// out_features x 1 x 1; bias may be empty (zero).
std::unique_ptr<Op> make_linear(std::span<const float> weight, std::span<const float> bias, int in_features,
                                int out_features, const OpConfig& config);

}  // namespace ffnet::ops
