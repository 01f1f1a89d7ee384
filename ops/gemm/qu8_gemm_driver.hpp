#pragma once
// C[m][n] = requantise(A[m][k] x B[k][n]) for u8 activations and s8 weights, A pre-packed and B
// packed tile by tile (qu8_pack.hpp): the loops around a qu8 microkernel, threaded with OpenMP.
// The whole depth K goes through the microkernel at once, so the s32 sums never leave its
// registers: B is tiled by columns only, A by rows (blocks that stay in L2).
#include <cstddef>
#include <span>

#include "ops/gemm/kernel_table.hpp"
#include "ops/gemm/qu8_pack.hpp"

namespace ffnet::ops::gemm {

struct Qu8Output {
  // Element (row i, column n) at c[i * ldc + n - col0] (u8, or float with float_output); the
  // residual alike.
  void* c = nullptr;
  std::size_t ldc = 0;
  std::size_t col0 = 0;
  QuantEpilogue epilogue;  // per-row arrays for all m rows; residual at column col0
};

struct Qu8Problem {
  int m = 0;
  int n0 = 0;  // the columns computed: [n0, n0 + n)
  int n = 0;
  const std::int8_t* packed_a = nullptr;
  Qu8ALayout a;
  Im2colU8 b;
  Qu8Output out;
};

std::size_t qu8_gemm_scratch_bytes(const Qu8GemmKernelInfo& kernel, int n, int kpad, int threads);
// Bit-identical for any thread count (integer sums, the same epilogue wherever a tile falls).
void qu8_gemm(const Qu8GemmKernelInfo& kernel, const Qu8Problem& problem, int threads, std::span<std::byte> scratch);

}  // namespace ffnet::ops::gemm
