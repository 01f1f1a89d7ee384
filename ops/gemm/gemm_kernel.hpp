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

// One run of B packing: `len` consecutive columns of a B tile (output pixels within one
// output row and one micro-panel) for each of the tile's rows k0 .. k0 + kc - 1, row kk written
// at dst + kk * dst_stride. Row k of B is (channel c, tap ky, kx) in c-major order; its value in
// the run's column t is image[c][y0 + ky][x0 + kx + t * stride], zero outside the image
// (element (c, y, x) at image[c * plane + y * width + x]). A plain K x N matrix with row stride
// ld is the 1x1 case: height 1, plane ld, y0 0, x0 the first column.
// Only elements inside the image are read.
struct PackRun {
  const float* image;
  std::size_t plane;
  int height;
  int width;
  int kernel_h;
  int kernel_w;
  int stride;
  int k0;
  int kc;
  int y0;
  int x0;
  int len;
  float* dst;
  std::size_t dst_stride;
};

// One variant per ISA, chosen through the kernel table with the microkernel.
using PackRunFn = void (*)(const PackRun& run);

void f32_pack_run__scalar(const PackRun& run);
void f32_pack_run__avx2(const PackRun& run);
void f32_pack_run__avx512(const PackRun& run);

}  // namespace ffnet::ops::gemm
