// quantize_row (quantize_row.hpp) with SSE2, the baseline of every x86-64 CPU, 16 values at a
// time, as quant.hpp defines them: max(t, -256) then min(t, 512) (maxps returns its second
// operand for a NaN), the conversion rounding to nearest even, then the zero point added and
// the saturating packs to [0, 255].
#include <emmintrin.h>

#include "ffnet/core/quant.hpp"
#include "ops/quantize_row.hpp"

namespace ffnet::ops {

void quantize_row(const float* x, float inv, int z, std::uint8_t* q, int count) {
  const __m128 inv_vec = _mm_set1_ps(inv), lo = _mm_set1_ps(-256.0f), hi = _mm_set1_ps(512.0f);
  const __m128i z_vec = _mm_set1_epi32(z);
  auto quantize4 = [&](const float* p) {
    const __m128 t = _mm_min_ps(_mm_max_ps(_mm_mul_ps(_mm_loadu_ps(p), inv_vec), lo), hi);
    return _mm_add_epi32(_mm_cvtps_epi32(t), z_vec);
  };
  int i = 0;
  for (; i + 16 <= count; i += 16) {
    const __m128i low = _mm_packs_epi32(quantize4(x + i), quantize4(x + i + 4));
    const __m128i high = _mm_packs_epi32(quantize4(x + i + 8), quantize4(x + i + 12));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), _mm_packus_epi16(low, high));
  }
  for (; i < count; ++i) q[i] = quantize_u8(x[i], inv, z);
}

}  // namespace ffnet::ops
