// AArch64 NEON microkernel, 8 rows x 12 columns: 24 q-register accumulators, each the FMA by
// lane (fmla v.4s, v.4s, v.s[l]) of a B vector by one A value.
//
// Per k: 2 A loads (8 rows) + 3 B loads (12 columns), all 128-bit, for 24 FMAs (96 flops):
// 5 loads per 24 FMAs. Register budget of the 32 v registers: 24 accumulators + 2 A + 3 B = 29,
// 3 left for the compiler (prefetched next-k B, the ReLU zero). A wider tile does not fit: 8x16
// needs 32 accumulators, 12x12 needs 36.
// Why this covers the FMA latency (figures from Arm's software optimization guides):
// - Cortex-A76/A78/X1, Neoverse N1: two 128-bit FMA pipes, 4-cycle FMA latency, so 2 x 4 = 8
//   independent accumulators keep the pipes full; 24 give 3x that, and the 24 FMAs of one k
//   take 12 cycles, during which the 5 loads need 2.5 of the 12 cycles of the two load pipes.
// - Neoverse V1: four 128-bit FMA pipes (4 x 4 = 16 accumulators needed; 24 is 1.5x), 6 cycles
//   per k, 5 loads on its 3 load pipes (~1.7 cycles).
// Edges: a partial tile runs the same full-tile code on a local copy of its mr x nr corner
// (C and residual), so nothing outside the corner is read or written and every element gets the
// same arithmetic whatever the tile it falls in.
#include <arm_neon.h>

#include "ops/gemm/gemm_kernel.hpp"

namespace ffnet::ops::gemm {
namespace {

constexpr int MR = 8;
constexpr int NR = 12;

struct TileMemory {
  float* c;
  std::size_t ldc;
  const float* residual;
  std::size_t ld_residual;
};

// x < 0 ? 0 : x, lane by lane: NaN and -0 pass as in the scalar kernel (fmax(0, -0) is +0).
inline float32x4_t relu(float32x4_t x) {
  return vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(x), vcltzq_f32(x)));
}

template <int Lane>
[[gnu::always_inline]] inline void fma_row(float32x4_t (&acc)[3], const float32x4_t (&b)[3],
                                           float32x4_t a) {
  acc[0] = vfmaq_laneq_f32(acc[0], b[0], a, Lane);
  acc[1] = vfmaq_laneq_f32(acc[1], b[1], a, Lane);
  acc[2] = vfmaq_laneq_f32(acc[2], b[2], a, Lane);
}

[[gnu::always_inline]] inline void full_tile(int mr, std::size_t kc, const float* a,
                                             const float* b, TileMemory mem,
                                             const GemmEpilogue& epilogue) {
  float32x4_t acc[MR][3];
  if (epilogue.start == GemmEpilogue::Start::accumulate) {
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 3
      for (int v = 0; v < 3; ++v) acc[i][v] = vld1q_f32(mem.c + i * mem.ldc + 4 * v);
  } else {
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const float start = (epilogue.bias != nullptr && i < mr) ? epilogue.bias[i] : 0.0f;
      acc[i][0] = acc[i][1] = acc[i][2] = vdupq_n_f32(start);
    }
  }
  for (std::size_t k = 0; k < kc; ++k) {
    const float32x4_t b_v[3] = {vld1q_f32(b), vld1q_f32(b + 4), vld1q_f32(b + 8)};
    const float32x4_t a_lo = vld1q_f32(a);
    const float32x4_t a_hi = vld1q_f32(a + 4);
    fma_row<0>(acc[0], b_v, a_lo);
    fma_row<1>(acc[1], b_v, a_lo);
    fma_row<2>(acc[2], b_v, a_lo);
    fma_row<3>(acc[3], b_v, a_lo);
    fma_row<0>(acc[4], b_v, a_hi);
    fma_row<1>(acc[5], b_v, a_hi);
    fma_row<2>(acc[6], b_v, a_hi);
    fma_row<3>(acc[7], b_v, a_hi);
    a += MR;
    b += NR;
  }
  const bool residual = epilogue.last_k_block && mem.residual != nullptr;
  const bool apply_relu = epilogue.last_k_block && epilogue.relu;
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 3
    for (int v = 0; v < 3; ++v) {
      float32x4_t x = acc[i][v];
      if (residual) x = vaddq_f32(x, vld1q_f32(mem.residual + i * mem.ld_residual + 4 * v));
      if (apply_relu) x = relu(x);
      vst1q_f32(mem.c + i * mem.ldc + 4 * v, x);
    }
  }
}

void copy_corner(int rows, int cols, const float* from, std::size_t ld_from, float* to,
                 std::size_t ld_to) {
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) to[i * ld_to + j] = from[i * ld_from + j];
}

}  // namespace

void f32_gemm_8x12__neonfma(int mr, int nr, std::size_t kc, const float* a, const float* b,
                            float* c, std::size_t ldc, const GemmEpilogue& epilogue) {
  if (mr == MR && nr == NR) {
    full_tile(mr, kc, a, b, {c, ldc, epilogue.residual, epilogue.ld_residual}, epilogue);
    return;
  }
  float c_tile[MR * NR] = {};
  float residual_tile[MR * NR] = {};
  if (epilogue.start == GemmEpilogue::Start::accumulate) copy_corner(mr, nr, c, ldc, c_tile, NR);
  const bool residual = epilogue.last_k_block && epilogue.residual != nullptr;
  if (residual) copy_corner(mr, nr, epilogue.residual, epilogue.ld_residual, residual_tile, NR);
  full_tile(mr, kc, a, b, {c_tile, NR, residual ? residual_tile : nullptr, NR}, epilogue);
  copy_corner(mr, nr, c_tile, NR, c, ldc);
}

}  // namespace ffnet::ops::gemm
