// blend_rows (resize_blend.hpp) with Advanced SIMD: four lanes at a time, t0 * w0 in double (exact)
// plus the float product t1 * w1, rounded once to double and once to float, as the header defines.
#include <arm_neon.h>

#include "ops/resize_blend.hpp"

namespace ffnet::ops {
namespace {

inline float32x4_t blend4(float32x4_t t0, float64x2_t w0, float32x4_t t1, float32x4_t w1) {
  const float32x4_t product1 = vmulq_f32(t1, w1);
  const float64x2_t low = vaddq_f64(vmulq_f64(vcvt_f64_f32(vget_low_f32(t0)), w0),
                                    vcvt_f64_f32(vget_low_f32(product1)));
  const float64x2_t high = vaddq_f64(vmulq_f64(vcvt_high_f64_f32(t0), w0), vcvt_high_f64_f32(product1));
  return vcvt_high_f32_f64(vcvt_f32_f64(low), high);
}

}  // namespace

void blend_rows(const float* top, const float* bottom, float h0, float h1, const float* add, float* dst,
                int width) {
  const float64x2_t h0_vec = vdupq_n_f64(double(h0));
  const float32x4_t h1_vec = vdupq_n_f32(h1);
  int x = 0;
  for (; x + 4 <= width; x += 4) {
    float32x4_t v = blend4(vld1q_f32(top + x), h0_vec, vld1q_f32(bottom + x), h1_vec);
    if (add) v = vaddq_f32(v, vld1q_f32(add + x));
    vst1q_f32(dst + x, v);
  }
  for (; x < width; ++x) dst[x] = add ? blend(top[x], h0, bottom[x], h1) + add[x] : blend(top[x], h0, bottom[x], h1);
}

}  // namespace ffnet::ops
