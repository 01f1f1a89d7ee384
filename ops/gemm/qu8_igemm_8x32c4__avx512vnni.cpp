// AVX-512 VNNI qu8 microkernel, 8 pixels x 32 channels: per tap and 4 channels, 2 zmm of weights
// (16 channels x 4 each) and, per pixel, its 4 channels broadcast to one vpdpbusd per weight
// vector: 16 accumulators, 16 vpdpbusd per 2 weight loads and 8 broadcasts. 32 channels: every
// FFNet layer's width is a multiple of 32 (but the 19 logits). The epilogue is qu8_store's
// arithmetic (qu8_epilogue.hpp) on 16 channels at a time, a partial tile's last ones masked.
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

// The epilogue's per-channel constants of 16 channels, loaded once per tile: the u8 stores may
// alias them (char), so the compiler would reload them for every pixel.
struct Channels16 {
  __mmask16 mask;
  int j0;
  __m512 scale, bias;
};

inline Channels16 channels16(const QuantEpilogue& e, int j0, int count) {
  const __mmask16 mask = first_lanes(count);
  return {mask, j0, _mm512_maskz_loadu_ps(mask, e.scale + j0), _mm512_maskz_loadu_ps(mask, e.bias + j0)};
}

// Channels j0 .. j0 + 15 of pixel i (the lanes `mask` keeps) from acc = dot - correction (the
// accumulators start at -correction).
inline void store16(const QuantEpilogue& e, const Channels16& k, int i, __m512i acc, void* c, std::size_t ldc) {
  __m512 v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc), k.scale, k.bias);
  if (e.residual != nullptr) {
    const auto* r = e.residual + std::size_t(i) * e.ld_residual + std::size_t(k.j0);
    const __m512i q = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(k.mask, r));
    const __m512 centred = _mm512_cvtepi32_ps(_mm512_sub_epi32(q, _mm512_set1_epi32(e.residual_zero)));
    v = _mm512_fmadd_ps(centred, _mm512_set1_ps(e.residual_scale), v);
  }
  if (e.relu && !e.float_output) {
    // v >= 0 (v is finite: integer sums times finite constants), so of quantize_u8's clamps only
    // the top one can act, and q = round(t) + zero >= 0: vpmovusdb saturates at 255.
    v = _mm512_max_ps(_mm512_setzero_ps(), v);
    const __m512 t = _mm512_min_ps(_mm512_mul_ps(v, _mm512_set1_ps(e.out_inverse_scale)), _mm512_set1_ps(512.0f));
    const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(t), _mm512_set1_epi32(e.out_zero));
    _mm_mask_storeu_epi8(static_cast<std::uint8_t*>(c) + std::size_t(i) * ldc + std::size_t(k.j0), k.mask,
                         _mm512_cvtusepi32_epi8(q));
    return;
  }
  if (e.relu) v = _mm512_max_ps(_mm512_setzero_ps(), v);  // v for -0.0, as std::max(v, 0.0f)
  if (e.float_output) {
    _mm512_mask_storeu_ps(static_cast<float*>(c) + std::size_t(i) * ldc + std::size_t(k.j0), k.mask, v);
    return;
  }
  __m512 t = _mm512_mul_ps(v, _mm512_set1_ps(e.out_inverse_scale));
  t = _mm512_min_ps(_mm512_max_ps(t, _mm512_set1_ps(-256.0f)), _mm512_set1_ps(512.0f));
  __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(t), _mm512_set1_epi32(e.out_zero));
  q = _mm512_max_epi32(q, _mm512_setzero_si512());  // vpmovusdb saturates the top at 255
  _mm_mask_storeu_epi8(static_cast<std::uint8_t*>(c) + std::size_t(i) * ldc + std::size_t(k.j0), k.mask,
                       _mm512_cvtusepi32_epi8(q));
}

}  // namespace

void qu8_igemm_8x32c4__avx512vnni(int mr, int nr, int kc, int ks, const std::uint8_t* const* a,
                                  const std::int8_t* w, void* c, std::size_t ldc, const QuantEpilogue& epilogue) {
  constexpr int MR = 8, NV = 2;
  __m512i acc[MR][NV];
  const __m512i correction0 = _mm512_maskz_loadu_epi32(first_lanes(nr), epilogue.correction);
  const __m512i correction1 = _mm512_maskz_loadu_epi32(first_lanes(nr - 16), epilogue.correction + 16);
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    acc[i][0] = _mm512_sub_epi32(_mm512_setzero_si512(), correction0);
    acc[i][1] = _mm512_sub_epi32(_mm512_setzero_si512(), correction1);
  }
  const int groups = (kc + 3) / 4;
  for (int t = 0; t < ks; ++t) {
    const std::uint8_t* x[MR];
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) x[i] = a[t * MR + i];
#pragma GCC unroll 2
    for (int g = 0; g < groups; ++g) {
      const __m512i w0 = _mm512_load_si512(w), w1 = _mm512_load_si512(w + 64);
#pragma GCC unroll 8
      for (int i = 0; i < MR; ++i) {
        const __m512i four = _mm512_set1_epi32(four_bytes(x[i] + 4 * g));
        acc[i][0] = _mm512_dpbusd_epi32(acc[i][0], four, w0);
        acc[i][1] = _mm512_dpbusd_epi32(acc[i][1], four, w1);
      }
      w += 128;
    }
  }
  const Channels16 low = channels16(epilogue, 0, nr);
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i)
    if (i < mr) store16(epilogue, low, i, acc[i][0], c, ldc);
  if (nr > 16) {
    const Channels16 high = channels16(epilogue, 16, nr - 16);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i)
      if (i < mr) store16(epilogue, high, i, acc[i][1], c, ldc);
  }
}

}  // namespace ffnet::ops::gemm
