// AVX-512 B packing (see PackRun in gemm_kernel.hpp): full vectors then one masked step;
// stride 2 picks the even elements of two (masked) loads with one permute.
#include <immintrin.h>

#include "ops/gemm/pack_run.hpp"

namespace ffnet::ops::gemm {
namespace {

__mmask16 first_lanes(int count) {
  return count >= 16 ? __mmask16(0xFFFF) : count <= 0 ? __mmask16(0) : __mmask16((1u << count) - 1);
}

struct Avx512Rows {
  static void copy(float* dst, const float* src, int count, int stride) {
    if (stride == 1) {
      int t = 0;
      for (; t + 16 <= count; t += 16) _mm512_storeu_ps(dst + t, _mm512_loadu_ps(src + t));
      if (t < count) {
        const __mmask16 m = first_lanes(count - t);
        _mm512_mask_storeu_ps(dst + t, m, _mm512_maskz_loadu_ps(m, src + t));
      }
    } else if (stride == 2) {
      const __m512i even =
          _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
      for (int t = 0; t < count; t += 16) {
        // Outputs t .. t + n - 1 read src[2t .. 2t + 2n - 2]: 2n - 1 floats, masked to those.
        const int n = count - t < 16 ? count - t : 16;
        const __m512 lo = _mm512_maskz_loadu_ps(first_lanes(2 * n - 1), src + 2 * t);
        const __m512 hi = _mm512_maskz_loadu_ps(first_lanes(2 * n - 17), src + 2 * t + 16);
        _mm512_mask_storeu_ps(dst + t, first_lanes(n), _mm512_permutex2var_ps(lo, even, hi));
      }
    } else {
      for (int t = 0; t < count; ++t) dst[t] = src[t * stride];
    }
  }
  static void zero(float* dst, int count) {
    for (int t = 0; t < count; t += 16)
      _mm512_mask_storeu_ps(dst + t, first_lanes(count - t), _mm512_setzero_ps());
  }
};

}  // namespace

void f32_pack_run__avx512(const PackRun& run) { pack_run_with<Avx512Rows>(run); }

}  // namespace ffnet::ops::gemm
