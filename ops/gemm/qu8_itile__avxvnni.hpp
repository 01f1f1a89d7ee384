#pragma once
// The 256-bit VNNI qu8 microkernel, 6 pixels x 16 channels (2 ymm of 8 channels, each lane one
// channel's 4 inputs): 12 accumulators, 2 weight vectors, the broadcast pixel (15 of 16 ymm
// registers). `Dot` is the vpdpbusd form: AVX-VNNI (VEX) or AVX-512 VNNI on ymm (EVEX), the
// same code. Included by the files of those two families only.
#include <immintrin.h>

#include "ops/gemm/qu8_epilogue__avx2.hpp"

namespace ffnet::ops::gemm::ymm_vnni {

template <class Dot>
[[gnu::always_inline]] inline void qu8_itile_6x16(int mr, int nr, int kc, int ks, const std::uint8_t* const* a,
                                                  const std::int8_t* w, void* c, std::size_t ldc,
                                                  const QuantEpilogue& epilogue) {
  constexpr int MR = 6, NV = 2;
  __m256i acc[MR][NV];
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
  const int groups = (kc + 3) / 4;
  for (int t = 0; t < ks; ++t) {
    const std::uint8_t* const* x = a + t * MR;
    for (int g = 0; g < groups; ++g) {
      const __m256i w0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(w));
      const __m256i w1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(w + 32));
#pragma GCC unroll 6
      for (int i = 0; i < MR; ++i) {
        const __m256i four = _mm256_set1_epi32(four_bytes(x[i] + 4 * g));
        acc[i][0] = Dot::dot(acc[i][0], four, w0);
        acc[i][1] = Dot::dot(acc[i][1], four, w1);
      }
      w += 64;
    }
  }
  qu8_store_tile8<MR, NV>(epilogue, mr, nr, acc, c, ldc);
}

}  // namespace ffnet::ops::gemm::ymm_vnni
