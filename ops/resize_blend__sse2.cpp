// blend_rows (resize_blend.hpp) with SSE2, the baseline of every x86-64 CPU: four lanes at a time,
// written out because the compiler's own vectorisation of the float <-> double conversions
// spills to the stack.
#include <emmintrin.h>

#include "ops/resize_blend.hpp"

namespace ffnet::ops {
namespace {

inline __m128 blend4(__m128 t0, __m128d w0, __m128 t1, __m128 w1) {
  const __m128 product1 = _mm_mul_ps(t1, w1);
  const __m128d low = _mm_add_pd(_mm_mul_pd(_mm_cvtps_pd(t0), w0), _mm_cvtps_pd(product1));
  const __m128d high = _mm_add_pd(_mm_mul_pd(_mm_cvtps_pd(_mm_movehl_ps(t0, t0)), w0),
                                  _mm_cvtps_pd(_mm_movehl_ps(product1, product1)));
  return _mm_movelh_ps(_mm_cvtpd_ps(low), _mm_cvtpd_ps(high));
}

}  // namespace

void blend_rows(const float* top, const float* bottom, float h0, float h1, const float* add, float* dst,
                int width) {
  const __m128d h0_vec = _mm_set1_pd(double(h0));
  const __m128 h1_vec = _mm_set1_ps(h1);
  int x = 0;
  for (; x + 4 <= width; x += 4) {
    __m128 v = blend4(_mm_loadu_ps(top + x), h0_vec, _mm_loadu_ps(bottom + x), h1_vec);
    if (add) v = _mm_add_ps(v, _mm_loadu_ps(add + x));
    _mm_storeu_ps(dst + x, v);
  }
  for (; x < width; ++x) dst[x] = add ? blend(top[x], h0, bottom[x], h1) + add[x] : blend(top[x], h0, bottom[x], h1);
}

}  // namespace ffnet::ops
