// quantize_row (quantize_row.hpp) with Advanced SIMD, 16 values at a time, as quant.hpp defines
// them: max(t, -256) then min(t, 512) with the "number wins over NaN" forms (fmaxnm, fminnm), so a
// NaN becomes -256 as in round_quantized; the conversion rounding to nearest even, then the zero
// point added and the saturating narrows to [0, 255].
#include <arm_neon.h>

#include "ffnet/core/quant.hpp"
#include "ops/quantize_row.hpp"

namespace ffnet::ops {

void quantize_row(const float* x, float inv, int z, std::uint8_t* q, int count) {
  const float32x4_t inv_vec = vdupq_n_f32(inv), lo = vdupq_n_f32(-256.0f), hi = vdupq_n_f32(512.0f);
  const int32x4_t z_vec = vdupq_n_s32(z);
  auto quantize4 = [&](const float* p) {
    const float32x4_t t = vminnmq_f32(vmaxnmq_f32(vmulq_f32(vld1q_f32(p), inv_vec), lo), hi);
    return vqmovn_s32(vaddq_s32(vcvtnq_s32_f32(t), z_vec));  // s16, saturated
  };
  int i = 0;
  for (; i + 16 <= count; i += 16) {
    const int16x8_t low = vcombine_s16(quantize4(x + i), quantize4(x + i + 4));
    const int16x8_t high = vcombine_s16(quantize4(x + i + 8), quantize4(x + i + 12));
    vst1q_u8(q + i, vcombine_u8(vqmovun_s16(low), vqmovun_s16(high)));
  }
  for (; i < count; ++i) q[i] = quantize_u8(x[i], inv, z);
}

}  // namespace ffnet::ops
