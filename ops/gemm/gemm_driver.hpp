#pragma once
// C[m][n] = epilogue(A[m][k] x B[k][n]) with A pre-packed and B packed tile by tile: the BLIS
// loops around a microkernel, threaded with OpenMP.
#include <cstddef>
#include <span>
#include <variant>

#include "ops/gemm/kernel_table.hpp"
#include "ops/gemm/pack.hpp"

namespace ffnet::ops::gemm {

using BSource = std::variant<MatrixB, Im2colB>;

struct GemmOutput {
  // Element (row i, column n) at c[i * ldc + n - col0], residual likewise: C may hold only
  // the columns from col0 on.
  float* c = nullptr;
  std::size_t ldc = 0;
  const float* bias = nullptr;      // m values, null = zero
  const float* residual = nullptr;  // strided like C, null = none; must not alias C
  std::size_t ld_residual = 0;
  bool relu = false;
  std::size_t col0 = 0;
};

struct GemmProblem {
  int m = 0;
  int n0 = 0;  // the columns computed: [n0, n0 + n)
  int n = 0;
  int k = 0;
  const float* packed_a = nullptr;  // packed with packed_a_layout()
  BSource b;
  GemmOutput out;
};

// The layout gemm() expects for packed A: K cut into ceil(k / KC) blocks of (nearly) equal
// depth, so that no K block is a short remainder (576 = 288 + 288, not 256 + 256 + 64).
PackedALayout packed_a_layout(const GemmKernelInfo& kernel, int m, int k);

// Scratch (B tile buffers) that gemm() needs for `threads` threads.
std::size_t gemm_scratch_floats(const GemmKernelInfo& kernel, int n, int k, int threads);

// Bit-identical results for any thread count: the K blocking is fixed by the kernel's KC and
// every output element sees the same sequence of operations wherever its tile falls.
void gemm(const GemmKernelInfo& kernel, const GemmProblem& problem, int threads,
          std::span<float> scratch);

}  // namespace ffnet::ops::gemm
