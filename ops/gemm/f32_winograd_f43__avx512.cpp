// Winograd F(4x4, 3x3) input and output transforms, compiled for avx512 (winograd_transform.hpp),
// with the patch columns split by permutes.
#include <immintrin.h>

#include "ops/gemm/winograd_transform.hpp"

namespace ffnet::ops::gemm {
namespace {

// v[s][l] = row[4 * l + s]: lanes 0-7 from row[0, 32), lanes 8-15 from row[32, 64) (columns 4
// and 5 are columns 0 and 1 of the next tile: the same from row + 4).
struct Avx512Split {
  static void split(const float* row, float (*v)[kLanes]) {
    static_assert(kLanes == 16 && kRowFloats >= 68);
    const __m512i four = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 0, 4, 8, 12, 16, 20, 24, 28);
    for (int start = 0; start < 2; ++start) {
      const float* base = row + 4 * start;
      const __m512 r0 = _mm512_loadu_ps(base), r1 = _mm512_loadu_ps(base + 16);
      const __m512 r2 = _mm512_loadu_ps(base + 32), r3 = _mm512_loadu_ps(base + 48);
      for (int s = 0; s < (start == 0 ? 4 : 2); ++s) {
        const __m512i index = _mm512_add_epi32(four, _mm512_set1_epi32(s));
        const __m512 low = _mm512_permutex2var_ps(r0, index, r1);
        const __m512 high = _mm512_permutex2var_ps(r2, index, r3);
        _mm512_store_ps(v[4 * start + s], _mm512_mask_blend_ps(__mmask16(0xFF00), low, high));
      }
    }
  }
};

}  // namespace

void f32_winograd_f43_input__avx512(const WinogradInput& job) { winograd_input_with<Avx512Split>(job); }
void f32_winograd_f43_output__avx512(const WinogradOutput& job) { winograd_output_with(job); }

}  // namespace ffnet::ops::gemm
