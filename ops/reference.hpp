#pragma once
// Naive reference implementations of every op: plain loops, double accumulation, no
// threads, no packing. They define what the optimised ops must compute; tests compare the
// two, and Network can run a whole model through these (LoadOptions::reference_ops).
#include <span>

#include "ffnet/core/tensor.hpp"
#include "ops/conv.hpp"
#include "ops/pooling.hpp"
#include "ops/resize.hpp"

namespace ffnet::reference {

// weight: OIHW; bias: per output channel or null; residual: as ops::ConvEpilogue.
void conv2d(const ops::ConvShape& shape, const float* weight, const float* bias, ConstView in,
            View out, const ops::ConvEpilogue& epilogue);
void max_pool(const ops::MaxPoolShape& shape, ConstView in, View out);
void global_average_pool(ConstView in, float* out);
void resize(ops::ResizeMode mode, ConstView in, View out, ConstView add);
void pre_down_smooth(ConstView in, View out, const float* weight);
void add(ConstView a, ConstView b, View out);
void concat_channels(std::span<const ConstView> inputs, View out);
void linear(const float* weight, const float* bias, int in_features, int out_features,
            const float* x, float* y);

}  // namespace ffnet::reference
