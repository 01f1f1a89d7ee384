#pragma once
// Element-wise and data-movement ops: add, channel concat, fully connected layer.
#include <span>

#include "ffnet/core/tensor.hpp"

namespace ffnet::ops {

// out = a + b (all the same dims; out may alias a or b).
void add(ConstView a, ConstView b, View out, int threads);

// Concatenate along channels: out = [inputs[0]; inputs[1]; ...]; heights and widths must
// match and the channel counts must sum to out's.
void concat_channels(std::span<const ConstView> inputs, View out, int threads);

// y[o] = bias[o] + sum_i weight[o * in_features + i] * x[i]  (bias may be null).
void linear(const float* weight, const float* bias, int in_features, int out_features,
            const float* x, float* y, int threads);

}  // namespace ffnet::ops
