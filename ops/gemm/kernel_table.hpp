#pragma once
// The table of GEMM microkernels: what run-time selection, the tests and the benchmarks use.
#include <span>
#include <string_view>

#include "ffnet/core/dtype.hpp"
#include "ops/cpu_features.hpp"
#include "ops/gemm/gemm_kernel.hpp"

namespace ffnet::ops::gemm {

// Cache blocking around a microkernel (BLIS loops): an MC x KC block of packed A is reused
// against a KC x NC block of packed B. MC is a multiple of MR, NC of NR.
struct GemmBlocking {
  int mc = 0;
  int kc = 0;
  int nc = 0;
};

// Winograd F(4x4, 3x3) around the same microkernel: the transforms compiled for its ISA, and
// its blocking: `tiles` output tiles (a multiple of NR) transformed and multiplied together,
// input channels in blocks of at most `kc`.
struct WinogradKernels {
  WinogradInputFn input;
  WinogradOutputFn output;
  int tiles;
  int kc;
};

struct GemmKernelInfo {
  std::string_view name;
  DType dtype;            // of A, B and C
  CpuFeatures required;   // what the CPU (and the network's ISA level) must have
  int mr;
  int nr;
  GemmMicrokernel run;
  PackRunFn pack_run;  // B packing compiled for the same ISA
  GemmBlocking blocking;
  WinogradKernels winograd;
};

// A qu8 kernel (u8 activations x s8 weights, requantised: gemm_kernel.hpp) with its tile: MR
// output pixels x NR output channels. The weight packing is shared (qu8_pack.hpp, for its NR).
struct Qu8IgemmKernelInfo {
  std::string_view name;
  CpuFeatures required;
  int mr;
  int nr;
  Qu8IgemmMicrokernel run;
};

// All kernels built into the library, for every ISA (check runnable() before running one).
std::span<const GemmKernelInfo> gemm_kernels();
// The ISA levels this CPU supports that choose different `dtype` kernels (the first of each):
// what the tests and benches run through every kernel family with.
std::vector<Isa> isas_with_distinct_kernels(DType dtype);
// Whether this CPU has what `kernel` requires.
bool runnable(const GemmKernelInfo& kernel);

// The qu8 kernels (data type u8: the activations), in order of preference, and the first of
// them whose features `isa` has.
std::span<const Qu8IgemmKernelInfo> qu8_igemm_kernels();
const Qu8IgemmKernelInfo& default_qu8_igemm_kernel(const Isa& isa);
bool runnable(const Qu8IgemmKernelInfo& kernel);
// The ISA levels this CPU supports that choose different qu8 kernels (the first of each).
std::vector<Isa> isas_with_distinct_qu8_kernels();
// The kernel for `dtype` at ISA level `isa`: the first of the table (in order of preference,
// the fastest measured on FFNet's layer shapes first) whose required features `isa` has.
const GemmKernelInfo& default_gemm_kernel(DType dtype, const Isa& isa);
// By name (as in the table); null if there is none.
const GemmKernelInfo* find_gemm_kernel(std::string_view name);

// The kernel for a problem of `columns` output columns (pixels, or Winograd tiles): `kernel`
// itself, or, when `columns` < its NR, the kernel of the table that reads the same packed A
// (same MR and K blocking, Winograd blocking included) and pads the fewest columns; e.g. a
// 4x8 map (32 pixels) runs f32_gemm_6x16__avx2_fma instead of f32_gemm_6x64__avx512, which
// would compute 64 columns. The results are the same: every kernel sums each element in the
// same order.
// Only kernels whose features `isa` has are considered.
const GemmKernelInfo& kernel_for_columns(const GemmKernelInfo& kernel, int columns, const Isa& isa);

}  // namespace ffnet::ops::gemm
