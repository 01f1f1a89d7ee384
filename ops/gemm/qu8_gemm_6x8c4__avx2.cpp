// AVX2 qu8 microkernel, 6 rows x 8 columns: u8 and s8 widened to s16 and multiplied in pairs by
// vpmaddwd, which is exact (the 8-bit vpmaddubsw would saturate its s16 sums: 2 x 255 x 127).
// Per 4 k of a column: 2 s32 partial sums (k0,k1 and k2,k3), added at the end. 12 accumulators,
// 2 widened B vectors and the broadcast weights: 15 of the 16 ymm registers.
#include <immintrin.h>

#include "ops/gemm/qu8_epilogue__avx2.hpp"

namespace ffnet::ops::gemm {

void qu8_gemm_6x8c4__avx2(int mr, int nr, std::size_t kc, const std::int8_t* a, const std::uint8_t* b, void* c,
                          std::size_t ldc, const QuantEpilogue& epilogue) {
  constexpr int MR = 6;
  __m256i lo[MR], hi[MR];  // columns 0-3 and 4-7, two partial sums each
  for (int i = 0; i < MR; ++i) lo[i] = hi[i] = _mm256_setzero_si256();
  for (std::size_t k = 0; k < kc; k += 4) {
    const __m256i bytes = _mm256_load_si256(reinterpret_cast<const __m256i*>(b));
    const __m256i b_lo = _mm256_cvtepu8_epi16(_mm256_castsi256_si128(bytes));
    const __m256i b_hi = _mm256_cvtepu8_epi16(_mm256_extracti128_si256(bytes, 1));
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      std::int32_t four;
      __builtin_memcpy(&four, a + 4 * i, 4);
      const __m256i w = _mm256_broadcastq_epi64(_mm_cvtepi8_epi16(_mm_cvtsi32_si128(four)));
      lo[i] = _mm256_add_epi32(lo[i], _mm256_madd_epi16(b_lo, w));
      hi[i] = _mm256_add_epi32(hi[i], _mm256_madd_epi16(b_hi, w));
    }
    a += MR * 4;
    b += 8 * 4;
  }
  __m256i dots[MR][1];
  for (int i = 0; i < MR; ++i)  // [c0 c1 c4 c5 | c2 c3 c6 c7] -> columns in order
    dots[i][0] = _mm256_permute4x64_epi64(_mm256_hadd_epi32(lo[i], hi[i]), 0b11011000);
  qu8_store_tile8<MR, 1>(epilogue, mr, nr, dots, c, ldc);
}

}  // namespace ffnet::ops::gemm
