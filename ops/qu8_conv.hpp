#pragma once
// The int8 convolution: u8 activations (per-tensor scale and zero point) x s8 weights
// (per-output-channel symmetric), s32 sums, float bias, requantised to u8 (or float for the
// logits) in the GEMM's epilogue: out = relu?(conv(in) + bias + residual), every value real.
// The arithmetic per element is the qu8 contract of ops/gemm/gemm_kernel.hpp.
#include <memory>
#include <span>
#include <vector>

#include "ffnet/core/quant.hpp"
#include "ops/conv.hpp"

namespace ffnet::ops {

struct Qu8ConvSpec {
  ConvShape shape;
  bool residual = false;  // inputs [x, residual]
  bool relu = false;
  QuantParams input;
  QuantParams residual_params;
  QuantParams output;         // unused with float_output
  bool float_output = false;  // the output is float32 (real values), not u8
};

// weight: OIHW int8; weight_scale: per output channel (real weight = scale * q); bias: per
// output channel in real units, or empty.
std::unique_ptr<Op> make_qu8_conv(const Qu8ConvSpec& spec, std::span<const std::int8_t> weight,
                                  std::span<const float> weight_scale, std::span<const float> bias,
                                  const OpConfig& config);

namespace qu8 {
// The per-output-channel constants of the epilogue, shared by the fast and reference ops:
// weight_sum[o] = sum_k w[o][k], correction[o] = z_in * weight_sum[o], scale[o] = s_in * s_w[o].
struct ConvConstants {
  std::vector<std::int32_t> weight_sum;
  std::vector<std::int32_t> correction;
  std::vector<float> scale;
  std::vector<float> bias;
};
ConvConstants conv_constants(const Qu8ConvSpec& spec, std::span<const std::int8_t> weight,
                             std::span<const float> weight_scale, std::span<const float> bias);
}  // namespace qu8

namespace gemm {
struct QuantEpilogue;
}
namespace qu8 {
// The epilogue for the whole output (residual pointer left null), from those constants.
gemm::QuantEpilogue epilogue(const Qu8ConvSpec& spec, const ConvConstants& constants);
}  // namespace qu8

}  // namespace ffnet::ops
