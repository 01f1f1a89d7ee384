// AVX2 B packing (see PackRun in gemm_kernel.hpp): 8 floats per step for stride 1; for
// stride 2, two loads de-interleaved by a shuffle and a lane permute.
#include <immintrin.h>

#include "ops/gemm/pack_run.hpp"

namespace ffnet::ops::gemm {
namespace {

struct Avx2Rows {
  static void copy(float* dst, const float* src, int count, int stride) {
    int t = 0;
    if (stride == 1) {
      for (; t + 8 <= count; t += 8) _mm256_storeu_ps(dst + t, _mm256_loadu_ps(src + t));
    } else if (stride == 2) {
      // A step reads src[2t .. 2t + 15]; only copied elements may be read (up to 2 * count - 2).
      for (; 2 * t + 15 <= 2 * count - 2; t += 8) {
        const __m256 lo = _mm256_loadu_ps(src + 2 * t);
        const __m256 hi = _mm256_loadu_ps(src + 2 * t + 8);
        const __m256 even = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));  // l0 l2 h0 h2 | l4 l6 h4 h6
        _mm256_storeu_ps(dst + t, _mm256_castpd_ps(_mm256_permute4x64_pd(
                                      _mm256_castps_pd(even), _MM_SHUFFLE(3, 1, 2, 0))));
      }
    }
    for (; t < count; ++t) dst[t] = src[t * stride];
  }
  static void zero(float* dst, int count) {
    int t = 0;
    for (; t + 8 <= count; t += 8) _mm256_storeu_ps(dst + t, _mm256_setzero_ps());
    for (; t < count; ++t) dst[t] = 0.0f;
  }
};

}  // namespace

void f32_pack_run__avx2(const PackRun& run) { pack_run_with<Avx2Rows>(run); }

}  // namespace ffnet::ops::gemm
