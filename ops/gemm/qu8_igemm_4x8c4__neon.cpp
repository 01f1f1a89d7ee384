// Plain Advanced SIMD qu8 microkernel (any AArch64 CPU; the one for cores without the dot
// product, e.g. Cortex-A72 in the Raspberry Pi 4), 4 pixels x 8 channels: smull of 8 s8 pairs
// into s16, sadalp adding pairs of those into s32. The activations enter as a ^ 0x80 = a - 128,
// so a product lies in [-16256, 16384] (s16 holds it; the 8-bit pair sums of smlal would not:
// 2 x 128 x 128), and the tile adds 128 * sum w per channel (QuantEpilogue::weight_sum) back:
// exact. A weight vector is 4 channels x 4 inputs (the c4 packing), the pixel's 4 bytes are
// broadcast, so smull (low half) and smull2 give columns 0-1 and 2-3, and sadalp leaves each
// column's two partial sums side by side, added pairwise (addp) at the end.
//
// On paper (no ARM hardware here), per group of 4 input channels: 2 weight loads, 4 pixel loads
// (4 bytes, broadcast by dup), 4 eor, 16 smull(2) and 16 sadalp: 128 multiply-adds. Registers
// (as compiled, see meson.build): 16 accumulators, 2 weight vectors, the pixel, 1-2 products,
// the 0x80 constant: 21-22 of the 32. On Cortex-A72 smull goes to the F0 pipe and sadalp to F1
// (latency 4 each, 1 per cycle), so the pair sustains 8 multiply-adds per cycle with dup and eor
// shared by both pipes: about 20 cycles per group (80% of that peak), each accumulator updated
// every 5 cycles (more than its latency).
#include "ops/gemm/qu8_epilogue__neon.hpp"

namespace ffnet::ops::gemm {

void qu8_igemm_4x8c4__neon(int mr, int nr, int kc, int ks, const std::uint8_t* const* a, const std::int8_t* w,
                           void* c, std::size_t ldc, const QuantEpilogue& epilogue) {
  constexpr int MR = 4;
  int32x4_t acc[MR][4];  // columns 0-1, 2-3, 4-5, 6-7: lanes (j k0+k1, j k2+k3, j+1 k0+k1, j+1 k2+k3)
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = acc[i][2] = acc[i][3] = vdupq_n_s32(0);
  const uint8x16_t flip = vdupq_n_u8(0x80);
  const int groups = (kc + 3) / 4;
  for (int t = 0; t < ks; ++t) {
    const std::uint8_t* const* p = a + t * MR;
    for (int g = 0; g < groups; ++g, w += 32) {
      const int8x16_t w0 = vld1q_s8(w), w1 = vld1q_s8(w + 16);
#pragma GCC unroll 4
      for (int i = 0; i < MR; ++i) {
        const int8x16_t x =
            vreinterpretq_s8_u8(veorq_u8(vreinterpretq_u8_s32(vdupq_n_s32(four_bytes(p[i] + 4 * g))), flip));
        acc[i][0] = vpadalq_s16(acc[i][0], vmull_s8(vget_low_s8(w0), vget_low_s8(x)));
        acc[i][1] = vpadalq_s16(acc[i][1], vmull_high_s8(w0, x));
        acc[i][2] = vpadalq_s16(acc[i][2], vmull_s8(vget_low_s8(w1), vget_low_s8(x)));
        acc[i][3] = vpadalq_s16(acc[i][3], vmull_high_s8(w1, x));
      }
    }
  }
  const int32x4_t offset[2] = {neon_flip_offset(epilogue, 0, nr), neon_flip_offset(epilogue, 4, nr)};
  int32x4_t dots[MR][2];
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < 2; ++v) dots[i][v] = vaddq_s32(vpaddq_s32(acc[i][2 * v], acc[i][2 * v + 1]), offset[v]);
  qu8_store_tile_neon<MR, 2>(epilogue, mr, nr, dots, c, ldc);
}

}  // namespace ffnet::ops::gemm
