#pragma once
// The narrow contract between the GEMM driver and its microkernels.
//
// A microkernel computes one tile C[mr][nr] (mr <= MR, nr <= NR) over one K block of depth kc:
//   a: packed A micro-panel, k-major: for each k, MR values (rows >= mr are zero padding).
//   b: packed B micro-panel, k-major: for each k, NR values (columns >= nr are zero padding).
//   c: row-major with row stride ldc; only the mr x nr corner is read or written.
// The epilogue decides how the tile starts and ends (see GemmEpilogue).
//
// This header is included by kernel files compiled with ISA flags: it must hold declarations
// and plain structs only. An inline function here could be emitted with AVX-512 code and then
// picked by the linker for the baseline build.
#include <cstddef>

namespace ffnet::ops::gemm {

struct GemmEpilogue {
  // How the accumulators start: from `bias` (mr per-row values; null = zero) in the first K
  // block, from the current contents of C in the later ones.
  enum class Start { bias, accumulate };
  Start start = Start::bias;
  const float* bias = nullptr;

  // Only in the last K block: add `residual` (strided like C, null = none), then clamp at 0.
  bool last_k_block = true;
  const float* residual = nullptr;
  std::size_t ld_residual = 0;
  bool relu = false;
};

using GemmMicrokernel = void (*)(int mr, int nr, std::size_t kc, const float* a, const float* b,
                                 float* c, std::size_t ldc, const GemmEpilogue& epilogue);

// Every microkernel, one per file: f32_gemm_{MR}x{NR}__{isa}.cpp.
void f32_gemm_4x16__scalar(int mr, int nr, std::size_t kc, const float* a, const float* b,
                           float* c, std::size_t ldc, const GemmEpilogue& epilogue);
void f32_gemm_6x16__avx2_fma(int mr, int nr, std::size_t kc, const float* a, const float* b,
                             float* c, std::size_t ldc, const GemmEpilogue& epilogue);
void f32_gemm_8x48__avx512(int mr, int nr, std::size_t kc, const float* a, const float* b,
                           float* c, std::size_t ldc, const GemmEpilogue& epilogue);
void f32_gemm_6x64__avx512(int mr, int nr, std::size_t kc, const float* a, const float* b,
                           float* c, std::size_t ldc, const GemmEpilogue& epilogue);

// The inner copy of B packing: dst[t] = src[t * stride] for t in [0, count). It only reads
// the elements it copies (src may end right after the last one). One variant per ISA, chosen
// through the kernel table with its microkernel.
using PackRow = void (*)(float* dst, const float* src, int count, int stride);

void f32_pack_row__scalar(float* dst, const float* src, int count, int stride);
void f32_pack_row__avx2(float* dst, const float* src, int count, int stride);
void f32_pack_row__avx512(float* dst, const float* src, int count, int stride);

}  // namespace ffnet::ops::gemm
