// NEON dot-product qu8 microkernel (FEAT_DotProd: Cortex-A76/A78/X1, Neoverse N1 and later),
// 8 pixels x 8 channels, sdot by element (qu8_itile__neondot.hpp). There is no u8 x s8 dot
// product before i8mm, so the activations enter as a ^ 0x80 = a - 128 (s8) and the tile adds
// 128 * sum w per channel (QuantEpilogue::weight_sum) back before the epilogue: exact, as every
// partial sum fits in s32.
//
// On paper (no ARM hardware here), per 16 input channels of a tap: 64 sdot (8 pixels x 2
// weight vectors x 4 groups), 8 weight loads (128 bytes) and 8 pixel loads (16 bytes each), 8
// eor. Registers (as compiled, see meson.build): 16 accumulators, 8 pixel vectors, the 0x80
// constant and the group's 2 weight vectors: 27 of the 32, no spills. Each accumulator is
// updated every 16 sdot: on Cortex-A76/A78/X1 and Neoverse N1 (2 SIMD pipes, sdot latency about
// 4) that is 8 cycles apart, twice the 8 chains the latency needs; on Neoverse V1 (4 pipes) 4
// cycles, the 16 it needs. The loads (1 per 4 sdot) fit the 2-3 load pipes; the eor take 1/9
// of the SIMD issue, so about 89% of the sdot peak.
#include "ops/gemm/qu8_itile__neondot.hpp"

namespace ffnet::ops::gemm {
namespace {
struct SignedDot {
  using Pixels = int8x16_t;
  static constexpr bool kFlip = true;
  static int8x16_t prepare(uint8x16_t x) { return vreinterpretq_s8_u8(veorq_u8(x, vdupq_n_u8(0x80))); }
  template <int L>
  static int32x4_t dot(int32x4_t acc, int8x16_t w, int8x16_t x) { return vdotq_laneq_s32(acc, w, x, L); }
};
}  // namespace

void qu8_igemm_8x8c4__neondot(int mr, int nr, int kc, int ks, const std::uint8_t* const* a, const std::int8_t* w,
                              void* c, std::size_t ldc, const QuantEpilogue& epilogue) {
  neon_dot::qu8_itile_8x8<SignedDot>(mr, nr, kc, ks, a, w, c, ldc, epilogue);
}

}  // namespace ffnet::ops::gemm
