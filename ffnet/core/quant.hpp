#pragma once
// 8-bit quantisation, the arithmetic every int8 op and kernel shares (the scalar definitions;
// SIMD kernels reproduce them bit for bit):
//   real = scale * (q - zero_point)           q in [0, 255] (activations, asymmetric, per tensor)
//   q    = requantize(real * (1 / scale)) + zero_point, saturated to [0, 255]
// Weights are int8, symmetric per output channel (zero point 0), scale[o] = max |w[o]| / 127.
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace ffnet {

struct QuantParams {
  float scale = 1.0f;
  int zero_point = 0;  // 0 .. 255

  bool operator==(const QuantParams&) const = default;
  float inverse_scale() const { return 1.0f / scale; }
};

// The nearest integer (ties to even, the default rounding of the SIMD conversions) of `t`, with
// `t` first limited to [-256, 512]: beyond it every zero point saturates alike, and the
// conversion stays in range. The limits are written as the SIMD max(t, lo) and min(t, hi)
// evaluate them (a NaN becomes -256).
inline std::int32_t round_quantized(float t) {
  t = t > -256.0f ? t : -256.0f;
  t = t < 512.0f ? t : 512.0f;
  return std::int32_t(std::nearbyint(t));
}

// q for `real` with inverse scale `inv` and zero point `z`.
inline std::uint8_t quantize_u8(float real, float inv, int z) {
  return std::uint8_t(std::clamp(round_quantized(real * inv) + z, 0, 255));
}

inline float dequantize(std::uint8_t q, const QuantParams& p) { return p.scale * float(int(q) - p.zero_point); }

}  // namespace ffnet
