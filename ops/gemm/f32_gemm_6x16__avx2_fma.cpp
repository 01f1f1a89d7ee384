// AVX2 + FMA microkernel, 6 rows x 16 columns: 12 YMM accumulators + 2 B vectors + 1 A
// broadcast of the 16 registers. AVX2 has no store masks, so a partial tile runs the very same
// full-tile code on a local copy and copies the mr x nr corner back: identical arithmetic for
// every element whatever the tile it falls in.
#include <immintrin.h>

#include "ops/gemm/gemm_kernel.hpp"

namespace ffnet::ops::gemm {
namespace {

constexpr int MR = 6;
constexpr int NR = 16;

struct TileMemory {
  float* c;
  std::size_t ldc;
  const float* residual;
  std::size_t ld_residual;
};

[[gnu::always_inline]] inline void full_tile(int mr, std::size_t kc, const float* a,
                                             const float* b, TileMemory mem,
                                             const GemmEpilogue& epilogue) {
  __m256 acc[MR][2];
  if (epilogue.start == GemmEpilogue::Start::accumulate) {
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      acc[i][0] = _mm256_loadu_ps(mem.c + i * mem.ldc);
      acc[i][1] = _mm256_loadu_ps(mem.c + i * mem.ldc + 8);
    }
  } else {
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const float start = (epilogue.bias != nullptr && i < mr) ? epilogue.bias[i] : 0.0f;
      acc[i][0] = acc[i][1] = _mm256_set1_ps(start);
    }
  }
  for (std::size_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const __m256 ai = _mm256_broadcast_ss(a + i);
      acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
    }
    a += MR;
    b += NR;
  }
  const bool residual = epilogue.last_k_block && mem.residual != nullptr;
  const bool relu = epilogue.last_k_block && epilogue.relu;
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 8
    for (int h = 0; h < 2; ++h) {
      __m256 x = acc[i][h];
      if (residual) x = _mm256_add_ps(x, _mm256_loadu_ps(mem.residual + i * mem.ld_residual + 8 * h));
      // max(0, x) returns its second operand for NaN: NaN passes, as in PyTorch.
      if (relu) x = _mm256_max_ps(_mm256_setzero_ps(), x);
      _mm256_storeu_ps(mem.c + i * mem.ldc + 8 * h, x);
    }
  }
}

void copy_corner(int rows, int cols, const float* from, std::size_t ld_from, float* to,
                 std::size_t ld_to) {
#pragma GCC unroll 8
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) to[i * ld_to + j] = from[i * ld_from + j];
}

}  // namespace

void f32_gemm_6x16__avx2_fma(int mr, int nr, std::size_t kc, const float* a, const float* b,
                             float* c, std::size_t ldc, const GemmEpilogue& epilogue) {
  if (mr == MR && nr == NR) {
    full_tile(mr, kc, a, b, {c, ldc, epilogue.residual, epilogue.ld_residual}, epilogue);
    return;
  }
  alignas(32) float c_tile[MR * NR] = {};
  alignas(32) float residual_tile[MR * NR] = {};
  if (epilogue.start == GemmEpilogue::Start::accumulate) copy_corner(mr, nr, c, ldc, c_tile, NR);
  const bool residual = epilogue.last_k_block && epilogue.residual != nullptr;
  if (residual) copy_corner(mr, nr, epilogue.residual, epilogue.ld_residual, residual_tile, NR);
  full_tile(mr, kc, a, b, {c_tile, NR, residual ? residual_tile : nullptr, NR}, epilogue);
  copy_corner(mr, nr, c_tile, NR, c, ldc);
}

}  // namespace ffnet::ops::gemm
