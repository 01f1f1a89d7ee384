#pragma once
// The qu8 epilogue (gemm_kernel.hpp) for 8 channels in a ymm register of s32 dot products, for
// the 256-bit qu8 kernels (AVX2, AVX-VNNI, and AVX-512 VNNI on ymm). The same operations, in the
// same order, as qu8_store in qu8_epilogue.hpp. Internal linkage: files of several ISA families
// include this.
#include <immintrin.h>

#include "ops/gemm/qu8_epilogue.hpp"

namespace ffnet::ops::gemm {
namespace {

// Channels j0 .. j0 + 7 of pixel i from their dot products.
inline void qu8_store8(const QuantEpilogue& e, int i, int j0, __m256i dot, void* c, std::size_t ldc) {
  const __m256i correction = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(e.correction + j0));
  __m256 v = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(dot, correction)), _mm256_loadu_ps(e.scale + j0),
                             _mm256_loadu_ps(e.bias + j0));
  if (e.residual != nullptr) {
    const auto* r = e.residual + std::size_t(i) * e.ld_residual + std::size_t(j0);
    const __m256i q = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(r)));
    const __m256 centred = _mm256_cvtepi32_ps(_mm256_sub_epi32(q, _mm256_set1_epi32(e.residual_zero)));
    v = _mm256_fmadd_ps(centred, _mm256_set1_ps(e.residual_scale), v);
  }
  // max(0, v) returns v for -0.0, as std::max(v, 0.0f) does.
  if (e.relu) v = _mm256_max_ps(_mm256_setzero_ps(), v);
  if (e.float_output) {
    _mm256_storeu_ps(static_cast<float*>(c) + std::size_t(i) * ldc + std::size_t(j0), v);
    return;
  }
  __m256 t = _mm256_mul_ps(v, _mm256_set1_ps(e.out_inverse_scale));
  t = _mm256_min_ps(_mm256_max_ps(t, _mm256_set1_ps(-256.0f)), _mm256_set1_ps(512.0f));
  __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(t), _mm256_set1_epi32(e.out_zero));
  q = _mm256_min_epi32(_mm256_max_epi32(q, _mm256_setzero_si256()), _mm256_set1_epi32(255));
  const __m128i words = _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(static_cast<std::uint8_t*>(c) + std::size_t(i) * ldc + std::size_t(j0)),
                   _mm_packus_epi16(words, words));
}

// Pixels < mr, channels < nr of a tile whose pixel i holds 8 * NV channels in dots[i][0..NV):
// whole groups of 8 by qu8_store8, a partial group element by element.
template <int MR, int NV>
inline void qu8_store_tile8(const QuantEpilogue& e, int mr, int nr, const __m256i (&dots)[MR][NV], void* c,
                            std::size_t ldc) {
  for (int i = 0; i < MR; ++i) {
    if (i >= mr) break;
    for (int v = 0; v < NV; ++v) {
      const int j0 = 8 * v;
      if (j0 + 8 <= nr) {
        qu8_store8(e, i, j0, dots[i][v], c, ldc);
      } else if (j0 < nr) {
        alignas(32) std::int32_t lanes[8];
        _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), dots[i][v]);
        for (int j = j0; j < nr; ++j) qu8_store(e, i, j, lanes[j - j0], c, ldc);
      }
    }
  }
}

}  // namespace
}  // namespace ffnet::ops::gemm
