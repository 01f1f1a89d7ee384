// AVX2 qu8 microkernel, 6 pixels x 8 channels: u8 and s8 widened to s16 and multiplied in pairs
// by vpmaddwd, which is exact (the 8-bit vpmaddubsw would saturate its s16 sums: 2 x 255 x 127).
// Per 4 inputs of a channel: 2 s32 partial sums (inputs 0,1 and 2,3), added at the end. 12
// accumulators, 2 widened weight vectors and the broadcast pixel: 15 of the 16 ymm registers.
#include <immintrin.h>

#include "ops/gemm/qu8_epilogue__avx2.hpp"

namespace ffnet::ops::gemm {

void qu8_igemm_6x8c4__avx2(int mr, int nr, int kc, int ks, const std::uint8_t* const* a, const std::int8_t* w,
                           void* c, std::size_t ldc, const QuantEpilogue& epilogue) {
  constexpr int MR = 6;
  __m256i lo[MR], hi[MR];  // channels 0-3 and 4-7, two partial sums each
  for (int i = 0; i < MR; ++i) lo[i] = hi[i] = _mm256_setzero_si256();
  const int groups = (kc + 3) / 4;
  for (int t = 0; t < ks; ++t) {
    const std::uint8_t* const* x = a + t * MR;
    for (int g = 0; g < groups; ++g) {
      const __m256i bytes = _mm256_load_si256(reinterpret_cast<const __m256i*>(w));
      const __m256i w_lo = _mm256_cvtepi8_epi16(_mm256_castsi256_si128(bytes));
      const __m256i w_hi = _mm256_cvtepi8_epi16(_mm256_extracti128_si256(bytes, 1));
#pragma GCC unroll 6
      for (int i = 0; i < MR; ++i) {
        const __m256i four =
            _mm256_broadcastq_epi64(_mm_cvtepu8_epi16(_mm_cvtsi32_si128(four_bytes(x[i] + 4 * g))));
        lo[i] = _mm256_add_epi32(lo[i], _mm256_madd_epi16(w_lo, four));
        hi[i] = _mm256_add_epi32(hi[i], _mm256_madd_epi16(w_hi, four));
      }
      w += 32;
    }
  }
  __m256i dots[MR][1];
  for (int i = 0; i < MR; ++i)  // [c0 c1 c4 c5 | c2 c3 c6 c7] -> channels in order
    dots[i][0] = _mm256_permute4x64_epi64(_mm256_hadd_epi32(lo[i], hi[i]), 0b11011000);
  qu8_store_tile8<MR, 1>(epilogue, mr, nr, dots, c, ldc);
}

}  // namespace ffnet::ops::gemm
