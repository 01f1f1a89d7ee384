#pragma once
// The qu8 epilogue (gemm_kernel.hpp) for the NEON qu8 kernels (plain, dot product, i8mm): 8
// channels of a pixel, as two int32x4 of dot products, the same operations in the same order as
// qu8_store (qu8_epilogue.hpp): vfmaq_f32 is fused like std::fma, ReLU a compare and select
// (std::max(v, 0.0f) keeps -0.0, fmax would not), quantize_u8's clamps fmaxnm (a NaN becomes
// -256) and fmin, fcvtns rounding to nearest even, then saturating narrows to [0, 255].
// Internal linkage: files of several -march levels include this.
#include <arm_neon.h>

#include "ops/gemm/qu8_epilogue.hpp"

namespace ffnet::ops::gemm {
namespace {

// The per-channel constants of channels j0 .. j0 + 7, loaded once per tile (the u8 stores may
// alias them, so the compiler would reload them for every pixel).
struct Neon8 {
  int j0;
  int32x4_t correction[2];
  float32x4_t scale[2], bias[2];
};

inline Neon8 neon_channels8(const QuantEpilogue& e, int j0) {
  Neon8 k{j0, {}, {}, {}};
  for (int h = 0; h < 2; ++h) {
    k.correction[h] = vld1q_s32(e.correction + j0 + 4 * h);
    k.scale[h] = vld1q_f32(e.scale + j0 + 4 * h);
    k.bias[h] = vld1q_f32(e.bias + j0 + 4 * h);
  }
  return k;
}

// Channels k.j0 .. k.j0 + 7 of pixel i from their dot products (sum a * w).
inline void qu8_store8(const QuantEpilogue& e, const Neon8& k, int i, const int32x4_t (&dot)[2], void* c,
                       std::size_t ldc) {
  float32x4_t v[2];
  for (int h = 0; h < 2; ++h)
    v[h] = vfmaq_f32(k.bias[h], vcvtq_f32_s32(vsubq_s32(dot[h], k.correction[h])), k.scale[h]);
  if (e.residual != nullptr) {
    const uint16x8_t q = vmovl_u8(vld1_u8(e.residual + std::size_t(i) * e.ld_residual + std::size_t(k.j0)));
    const int32x4_t zero = vdupq_n_s32(e.residual_zero);
    const float32x4_t rs = vdupq_n_f32(e.residual_scale);
    const int32x4_t centred[2] = {vsubq_s32(vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(q))), zero),
                                  vsubq_s32(vreinterpretq_s32_u32(vmovl_high_u16(q)), zero)};
    for (int h = 0; h < 2; ++h) v[h] = vfmaq_f32(v[h], vcvtq_f32_s32(centred[h]), rs);
  }
  if (e.relu)
    for (int h = 0; h < 2; ++h) v[h] = vbslq_f32(vcltzq_f32(v[h]), vdupq_n_f32(0.0f), v[h]);
  if (e.float_output) {
    float* out = static_cast<float*>(c) + std::size_t(i) * ldc + std::size_t(k.j0);
    vst1q_f32(out, v[0]);
    vst1q_f32(out + 4, v[1]);
    return;
  }
  const float32x4_t inv = vdupq_n_f32(e.out_inverse_scale), lo = vdupq_n_f32(-256.0f), hi = vdupq_n_f32(512.0f);
  const int32x4_t z = vdupq_n_s32(e.out_zero);
  int32x4_t q[2];
  for (int h = 0; h < 2; ++h)
    q[h] = vaddq_s32(vcvtnq_s32_f32(vminq_f32(vmaxnmq_f32(vmulq_f32(v[h], inv), lo), hi)), z);
  const uint16x8_t words = vcombine_u16(vqmovun_s32(q[0]), vqmovun_s32(q[1]));
  vst1_u8(static_cast<std::uint8_t*>(c) + std::size_t(i) * ldc + std::size_t(k.j0), vqmovn_u16(words));
}

// Pixels < mr, channels < nr of a tile whose pixel i holds 4 * NQ channels in dots[i][0..NQ)
// (NQ even): whole groups of 8 by qu8_store8, a partial group element by element.
template <int MR, int NQ>
inline void qu8_store_tile_neon(const QuantEpilogue& e, int mr, int nr, const int32x4_t (&dots)[MR][NQ], void* c,
                                std::size_t ldc) {
  static_assert(NQ % 2 == 0);
  for (int v = 0; v < NQ / 2; ++v) {
    const int j0 = 8 * v;
    if (j0 + 8 <= nr) {
      const Neon8 k = neon_channels8(e, j0);
#pragma GCC unroll 8
      for (int i = 0; i < MR; ++i)
        if (i < mr) qu8_store8(e, k, i, {dots[i][2 * v], dots[i][2 * v + 1]}, c, ldc);
    } else if (j0 < nr) {
      for (int i = 0; i < mr; ++i) {
        std::int32_t lanes[8];
        vst1q_s32(lanes, dots[i][2 * v]);
        vst1q_s32(lanes + 4, dots[i][2 * v + 1]);
        for (int j = j0; j < nr; ++j) qu8_store(e, i, j, lanes[j - j0], c, ldc);
      }
    }
  }
}

// 128 * weight_sum of channels j0 .. j0 + 3, 0 from channel nr on: what the kernels that
// multiply a ^ 0x80 = a - 128 add back.
inline int32x4_t neon_flip_offset(const QuantEpilogue& e, int j0, int nr) {
  std::int32_t lanes[4] = {};
  for (int j = j0; j < j0 + 4 && j < nr; ++j) lanes[j - j0] = 128 * e.weight_sum[j];
  return vld1q_s32(lanes);
}

}  // namespace
}  // namespace ffnet::ops::gemm
