#pragma once
// The body shared by the AVX-512 microkernels, parametrised by the tile shape. Included only
// by f32_gemm_*__avx512.cpp files (compiled with AVX-512 flags), each instantiating one shape.
//
// Register budget: MR * NR/16 accumulators + NR/16 B vectors (+ one A broadcast, which the
// compiler usually folds into the FMA as an embedded {1to16} memory operand) <= 32 ZMM.
// Edges: columns by AVX-512 store masks, rows by not touching rows >= mr. Every element
// follows the same arithmetic whether its tile is full or partial, so results do not depend
// on how the driver splits the work.
#include <immintrin.h>

#include "ops/gemm/gemm_kernel.hpp"

namespace ffnet::ops::gemm::avx512 {

template <int MR, int NR>
[[gnu::always_inline]] inline void gemm_tile(int mr, int nr, std::size_t kc, const float* a,
                                             const float* b, float* c, std::size_t ldc,
                                             const GemmEpilogue& epilogue) {
  static_assert(NR % 16 == 0);
  constexpr int NV = NR / 16;
  __mmask16 mask[NV];
#pragma GCC unroll 8
  for (int v = 0; v < NV; ++v) {
    const int left = nr - 16 * v;
    mask[v] = left >= 16 ? __mmask16(0xFFFF) : left <= 0 ? __mmask16(0) : __mmask16((1u << left) - 1);
  }

  __m512 acc[MR][NV];
  if (epilogue.start == GemmEpilogue::Start::accumulate) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v)
        acc[i][v] = i < mr ? _mm512_maskz_loadu_ps(mask[v], c + i * ldc + 16 * v)
                           : _mm512_setzero_ps();
  } else {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const __m512 start = (epilogue.bias != nullptr && i < mr) ? _mm512_set1_ps(epilogue.bias[i])
                                                                : _mm512_setzero_ps();
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) acc[i][v] = start;
    }
  }

#pragma GCC unroll 2
  for (std::size_t k = 0; k < kc; ++k) {
    __m512 bv[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) bv[v] = _mm512_load_ps(b + 16 * v);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
    }
    a += MR;
    b += NR;
  }

  const bool residual = epilogue.last_k_block && epilogue.residual != nullptr;
  const bool relu = epilogue.last_k_block && epilogue.relu;
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    if (i >= mr) break;
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) {
      __m512 x = acc[i][v];
      if (residual)
        x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(
                                 mask[v], epilogue.residual + i * epilogue.ld_residual + 16 * v));
      // max(0, x) returns its second operand for NaN: NaN passes, as in PyTorch. maskz_max rather
      // than max: GCC 12 warns about the latter's undefined passthrough.
      if (relu) x = _mm512_maskz_max_ps(mask[v], _mm512_setzero_ps(), x);
      _mm512_mask_storeu_ps(c + i * ldc + 16 * v, mask[v], x);
    }
  }
}

}  // namespace ffnet::ops::gemm::avx512
