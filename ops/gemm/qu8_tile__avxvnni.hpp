#pragma once
// The 256-bit VNNI qu8 microkernel, 6 rows x 16 columns (2 ymm of 8 columns, each lane one
// column's 4 k): 12 accumulators, 2 B vectors, the broadcast weights (15 of 16 ymm registers).
// `Dot` is the vpdpbusd form: AVX-VNNI (VEX) or AVX-512 VNNI on ymm (EVEX), the same code.
// Included by the files of those two families only.
#include <immintrin.h>

#include "ops/gemm/qu8_epilogue__avx2.hpp"

namespace ffnet::ops::gemm::ymm_vnni {

template <class Dot>
[[gnu::always_inline]] inline void qu8_tile_6x16(int mr, int nr, std::size_t kc, const std::int8_t* a,
                                                 const std::uint8_t* b, void* c, std::size_t ldc,
                                                 const QuantEpilogue& epilogue) {
  constexpr int MR = 6, NV = 2;
  __m256i acc[MR][NV];
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
  for (std::size_t k = 0; k < kc; k += 4) {
    const __m256i b0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b));
    const __m256i b1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b + 32));
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      std::int32_t four;
      __builtin_memcpy(&four, a + 4 * i, 4);
      const __m256i w = _mm256_set1_epi32(four);
      acc[i][0] = Dot::dot(acc[i][0], b0, w);
      acc[i][1] = Dot::dot(acc[i][1], b1, w);
    }
    a += MR * 4;
    b += 16 * 4;
  }
  qu8_store_tile8<MR, NV>(epilogue, mr, nr, acc, c, ldc);
}

}  // namespace ffnet::ops::gemm::ymm_vnni
