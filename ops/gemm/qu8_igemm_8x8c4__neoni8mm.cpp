// NEON i8mm qu8 microkernel (FEAT_I8MM: Neoverse V1/N2/V2, Cortex-A710/X2 and later), 8 pixels x
// 8 channels: sudot by element (signed weight vector . unsigned activation group) multiplies the
// u8 activations by the s8 weights directly, in the tile of qu8_itile__neondot.hpp.
//
// On paper (no ARM hardware here), per 16 input channels of a tap: 64 sudot, 8 weight loads
// (128 bytes) and 8 pixel loads, nothing else. Registers (as compiled, see meson.build): 16
// accumulators, 8 pixel vectors, the group's 2 weight vectors: 26 of the 32, no spills. Each
// accumulator is updated every 16 sudot: 4 cycles apart on Neoverse V1 (4 SIMD pipes, latency
// about 3-4: the 16 chains it needs), 8 on 2-pipe cores. The loads (1 per 4 sudot) fit V1's 3
// load pipes.
// usmmla (a 2x8 by 8x2 block, 32 multiply-adds per instruction) would need the weights packed 8
// deep (not the shared c4 packing) and each pair of pixels, read through separate pointers,
// interleaved in registers, with the epilogue undoing the 2x2 layout; the by-element form reads
// the c4 packing and the pixel vectors as they are.
#include "ops/gemm/qu8_itile__neondot.hpp"

namespace ffnet::ops::gemm {
namespace {
struct MixedDot {
  using Pixels = uint8x16_t;
  static constexpr bool kFlip = false;
  static uint8x16_t prepare(uint8x16_t x) { return x; }
  template <int L>
  static int32x4_t dot(int32x4_t acc, int8x16_t w, uint8x16_t x) { return vsudotq_laneq_s32(acc, w, x, L); }
};
}  // namespace

void qu8_igemm_8x8c4__neoni8mm(int mr, int nr, int kc, int ks, const std::uint8_t* const* a, const std::int8_t* w,
                               void* c, std::size_t ldc, const QuantEpilogue& epilogue) {
  neon_dot::qu8_itile_8x8<MixedDot>(mr, nr, kc, ks, a, w, c, ldc, epilogue);
}

}  // namespace ffnet::ops::gemm
