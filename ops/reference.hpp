#pragma once
// Naive reference implementations of every op: plain loops, double accumulation, no threads, no
// packing. They define what the fast ops must compute; the tests compare the two, and a network
// can run entirely through these (LoadOptions::reference_ops). Each is available as a function
// of views and as an op (the same interface as the fast ones, ops/op.hpp): the make_* functions
// of each op's header return these when OpConfig::reference is set.
#include <memory>
#include <optional>
#include <span>

#include "ffnet/core/tensor.hpp"
#include "ops/conv.hpp"
#include "ops/op.hpp"
#include "ops/pooling.hpp"
#include "ops/qu8_conv.hpp"
#include "ops/resize.hpp"

namespace ffnet::reference {

// weight: OIHW; bias: per output channel or null; residual: same dims as out, data null for none.
void conv2d(const ops::ConvShape& shape, const float* weight, const float* bias, ConstView in, View out,
            ConstView residual, bool relu);
void max_pool(const ops::MaxPoolShape& shape, ConstView in, View out);
void global_average_pool(ConstView in, float* out);
void resize(ops::ResizeMode mode, ConstView in, View out, ConstView add);
void pre_down_smooth(ConstView in, View out, const float* weight);
void add(ConstView a, ConstView b, View out);
void concat_channels(std::span<const ConstView> inputs, View out);
void linear(const float* weight, const float* bias, int in_features, int out_features, const float* x, float* y);

// The same as ops (the arguments as for the fast ops' make_* functions).
std::unique_ptr<ops::Op> make_conv(const ops::ConvSpec& spec, std::span<const float> weight_oihw,
                                   std::span<const float> bias);
std::unique_ptr<ops::Op> make_max_pool(const ops::MaxPoolShape& shape, DType dtype = DType::f32);
std::unique_ptr<ops::Op> make_global_average_pool(DType dtype = DType::f32, QuantParams input = {});
std::unique_ptr<ops::Op> make_resize(ops::ResizeMode mode);
std::unique_ptr<ops::Op> make_pre_down_smooth(std::span<const float> weight, int channels);
std::unique_ptr<ops::Op> make_add();
std::unique_ptr<ops::Op> make_concat();
std::unique_ptr<ops::Op> make_linear(std::span<const float> weight, std::span<const float> bias, int in_features,
                                     int out_features);
std::unique_ptr<ops::Op> make_quantize(QuantParams output);
std::unique_ptr<ops::Op> make_qu8_resize(ops::ResizeMode mode, QuantParams input, std::optional<QuantParams> add,
                                         QuantParams output);
std::unique_ptr<ops::Op> make_qu8_add(QuantParams a, QuantParams b, QuantParams output);
std::unique_ptr<ops::Op> make_qu8_concat();
std::unique_ptr<ops::Op> make_qu8_conv(const ops::Qu8ConvSpec& spec, std::span<const std::int8_t> weight,
                                       std::span<const float> weight_scale, std::span<const float> bias);

}  // namespace ffnet::reference
