// qu8_interleave4 (qu8_pack.hpp) with SSE2, the baseline of every x86-64 CPU: 16 columns of
// the 4 rows per step (4 loads, 6 unpacks, 4 stores), the tail column by column.
#include <emmintrin.h>

#include "ops/gemm/qu8_pack.hpp"

namespace ffnet::ops::gemm {

void qu8_interleave4(const std::uint8_t* const rows[4], int len, std::uint8_t* dst) {
  int j = 0;
  for (; j + 16 <= len; j += 16) {
    const __m128i r0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[0] + j));
    const __m128i r1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[1] + j));
    const __m128i r2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[2] + j));
    const __m128i r3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[3] + j));
    const __m128i lo01 = _mm_unpacklo_epi8(r0, r1), hi01 = _mm_unpackhi_epi8(r0, r1);
    const __m128i lo23 = _mm_unpacklo_epi8(r2, r3), hi23 = _mm_unpackhi_epi8(r2, r3);
    __m128i* out = reinterpret_cast<__m128i*>(dst + j * 4);
    _mm_storeu_si128(out + 0, _mm_unpacklo_epi16(lo01, lo23));
    _mm_storeu_si128(out + 1, _mm_unpackhi_epi16(lo01, lo23));
    _mm_storeu_si128(out + 2, _mm_unpacklo_epi16(hi01, hi23));
    _mm_storeu_si128(out + 3, _mm_unpackhi_epi16(hi01, hi23));
  }
  for (; j < len; ++j)
    for (int q = 0; q < 4; ++q) dst[j * 4 + q] = rows[q][j];
}

}  // namespace ffnet::ops::gemm
