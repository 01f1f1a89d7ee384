// AVX-512 VNNI qu8 microkernel, 6 rows x 64 columns: per 4 k, 4 zmm of B (16 columns x 4 k each)
// and one vpdpbusd per row and vector with the row's 4 weights broadcast: 24 accumulators,
// 4 B vectors, the broadcast (29 of 32 zmm registers); 24 vpdpbusd per 4 loads of B.
// The epilogue is qu8_store's arithmetic (qu8_epilogue.hpp) on 16 columns at a time; a partial
// tile's last columns are masked.
// GCC 12 warns about the undefined passthrough inside its own unmasked AVX-512 intrinsics
// (a false positive: the passthrough is never used).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include "ops/gemm/qu8_epilogue.hpp"

namespace ffnet::ops::gemm {
namespace {

inline __mmask16 first_lanes(int count) {
  return count >= 16 ? __mmask16(0xFFFF) : count <= 0 ? __mmask16(0) : __mmask16((1u << count) - 1);
}

// Columns j0 .. j0 + 15 of row i (the lanes `mask` keeps) from their dot products.
inline void store16(const QuantEpilogue& e, int i, int j0, __mmask16 mask, __m512i dot, void* c, std::size_t ldc) {
  const __m512i acc = _mm512_sub_epi32(dot, _mm512_set1_epi32(e.correction[i]));
  __m512 v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc), _mm512_set1_ps(e.scale[i]), _mm512_set1_ps(e.bias[i]));
  if (e.residual != nullptr) {
    const auto* r = e.residual + std::size_t(i) * e.ld_residual + std::size_t(j0);
    const __m512i q = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(mask, r));
    const __m512 centred = _mm512_cvtepi32_ps(_mm512_sub_epi32(q, _mm512_set1_epi32(e.residual_zero)));
    v = _mm512_fmadd_ps(centred, _mm512_set1_ps(e.residual_scale), v);
  }
  if (e.relu) v = _mm512_max_ps(_mm512_setzero_ps(), v);  // v for -0.0, as std::max(v, 0.0f)
  const std::size_t at = std::size_t(i) * ldc + std::size_t(j0);
  if (e.float_output) {
    _mm512_mask_storeu_ps(static_cast<float*>(c) + at, mask, v);
    return;
  }
  __m512 t = _mm512_mul_ps(v, _mm512_set1_ps(e.out_inverse_scale));
  t = _mm512_min_ps(_mm512_max_ps(t, _mm512_set1_ps(-256.0f)), _mm512_set1_ps(512.0f));
  __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(t), _mm512_set1_epi32(e.out_zero));
  q = _mm512_min_epi32(_mm512_max_epi32(q, _mm512_setzero_si512()), _mm512_set1_epi32(255));
  _mm_mask_storeu_epi8(static_cast<std::uint8_t*>(c) + at, mask, _mm512_cvtepi32_epi8(q));
}

}  // namespace

void qu8_gemm_6x64c4__avx512vnni(int mr, int nr, std::size_t kc, const std::int8_t* a, const std::uint8_t* b,
                                 void* c, std::size_t ldc, const QuantEpilogue& epilogue) {
  constexpr int MR = 6, NV = 4;
  __m512i acc[MR][NV];
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_si512();
#pragma GCC unroll 2
  for (std::size_t k = 0; k < kc; k += 4) {
    __m512i bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = _mm512_load_si512(b + 64 * v);
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      std::int32_t four;
      __builtin_memcpy(&four, a + 4 * i, 4);
      const __m512i w = _mm512_set1_epi32(four);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_dpbusd_epi32(acc[i][v], bv[v], w);
    }
    a += MR * 4;
    b += 64 * 4;
  }
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) {
    if (i >= mr) break;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      if (16 * v < nr) store16(epilogue, i, 16 * v, first_lanes(nr - 16 * v), acc[i][v], c, ldc);
  }
}

}  // namespace ffnet::ops::gemm
