#pragma once
// The 4-byte dot product by element qu8 microkernel, 8 pixels x 8 channels, shared by the
// dot-product (sdot) and i8mm (sudot) kernels; see their files for the analysis. A weight vector
// is one group of 4 input channels for 4 output channels (the c4 packing: column j's 4 bytes in
// 32-bit lane j); a pixel's 16 loaded channels hold 4 groups, and the by-element form picks
// group L of them: acc[i][v] += w[g][v] . pixel_i[group L]. `Dot` says how activations enter the
// instruction (Dot::prepare, once per loaded vector) and which instruction (Dot::dot<L>), and
// Dot::kFlip whether the result lacks 128 * sum w (activations multiplied as a - 128).
// Included by the files of those two families only.
#include <arm_neon.h>

#include "ops/gemm/qu8_epilogue__neon.hpp"

namespace ffnet::ops::gemm::neon_dot {

constexpr int MR = 8, NQ = 2;  // NQ vectors of 4 channels

template <class Dot, int L>
[[gnu::always_inline]] inline void group(int32x4_t (&acc)[MR][NQ], const std::int8_t* w,
                                         const typename Dot::Pixels (&x)[MR]) {
  const int8x16_t w0 = vld1q_s8(w), w1 = vld1q_s8(w + 16);
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    acc[i][0] = Dot::template dot<L>(acc[i][0], w0, x[i]);
    acc[i][1] = Dot::template dot<L>(acc[i][1], w1, x[i]);
  }
}

template <class Dot>
[[gnu::always_inline]] inline void qu8_itile_8x8(int mr, int nr, int kc, int ks, const std::uint8_t* const* a,
                                                 const std::int8_t* w, void* c, std::size_t ldc,
                                                 const QuantEpilogue& epilogue) {
  int32x4_t acc[MR][NQ];
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = vdupq_n_s32(0);
  const int groups = (kc + 3) / 4;
  typename Dot::Pixels x[MR];
  for (int t = 0; t < ks; ++t) {
    const std::uint8_t* const* p = a + t * MR;
    int g = 0;
    for (; g + 4 <= groups; g += 4, w += 4 * 32) {  // 16 channels of each pixel
#pragma GCC unroll 8
      for (int i = 0; i < MR; ++i) x[i] = Dot::prepare(vld1q_u8(p[i] + 4 * g));
      group<Dot, 0>(acc, w, x);
      group<Dot, 1>(acc, w + 32, x);
      group<Dot, 2>(acc, w + 64, x);
      group<Dot, 3>(acc, w + 96, x);
    }
    for (; g < groups; ++g, w += 32) {  // the last 4 .. 12 channels, 4 at a time
#pragma GCC unroll 8
      for (int i = 0; i < MR; ++i)
        x[i] = Dot::prepare(vreinterpretq_u8_s32(vdupq_n_s32(four_bytes(p[i] + 4 * g))));
      group<Dot, 0>(acc, w, x);
    }
  }
  if constexpr (Dot::kFlip) {
    const int32x4_t offset[NQ] = {neon_flip_offset(epilogue, 0, nr), neon_flip_offset(epilogue, 4, nr)};
    for (int i = 0; i < MR; ++i)
      for (int v = 0; v < NQ; ++v) acc[i][v] = vaddq_s32(acc[i][v], offset[v]);
  }
  qu8_store_tile_neon<MR, NQ>(epilogue, mr, nr, acc, c, ldc);
}

}  // namespace ffnet::ops::gemm::neon_dot
