#pragma once
// The narrow contract between the GEMM driver and its microkernels.
//
// A microkernel computes one tile C[mr][nr] (mr <= MR, nr <= NR) over one K block of depth kc:
//   a: packed A micro-panel, k-major: for each k, MR values (rows >= mr are zero padding).
//   b: packed B micro-panel, k-major: for each k, NR values (columns >= nr are zero padding).
//   c: row-major with row stride ldc; only the mr x nr corner is read or written.
// The epilogue decides how the tile starts and ends (see GemmEpilogue).
//
// This header is included by kernel files compiled with ISA flags, so it holds declarations
// and plain structs only; so does any header that files of different ISAs (or baseline files)
// include, except for functions with internal linkage (an anonymous namespace, as in
// pack_run.hpp, winograd_transform.hpp and block_math.hpp). An inline function with external
// linkage could be emitted with AVX-512 code in a kernel file and then picked by the linker for
// the baseline build. (A header only one family's files include, like avx512_tile.hpp, may
// hold its code.)
#include <cstddef>
#include <cstdint>

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
void f32_gemm_6x64__avx512(int mr, int nr, std::size_t kc, const float* a, const float* b,
                           float* c, std::size_t ldc, const GemmEpilogue& epilogue);
void f32_gemm_8x12__neonfma(int mr, int nr, std::size_t kc, const float* a, const float* b,
                            float* c, std::size_t ldc, const GemmEpilogue& epilogue);

// One run of B packing: `len` consecutive columns of a B tile (output pixels within one
// output row) for each of the tile's rows k0 .. k0 + kc - 1, row kk written at dst + kk *
// dst_stride. With panel_columns in [1, len) the run crosses micro-panels (dst_stride columns
// wide, panel_stride floats apart): its first panel_columns columns go to dst, the next
// dst_stride ones to the next panel's first column, and so on; 0: one panel.
// Row k of B is (channel c, tap ky, kx) in c-major order; its value in the run's column t is
// image[c][y0 + ky][x0 + kx + t * stride], zero outside the image (element (c, y, x) at
// image[c * plane + (y - row0) * width + x]: the image may hold only the rows from row0 on).
// A plain K x N matrix with row stride ld is the 1x1 case: height 1, plane ld, y0 0, x0 the
// first column. Only elements inside the image are read.
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
  int row0;
  int panel_columns = 0;
  std::size_t panel_stride = 0;
};

// One variant per ISA, chosen through the kernel table with the microkernel.
using PackRunFn = void (*)(const PackRun& run);

void f32_pack_run__scalar(const PackRun& run);
void f32_pack_run__avx2(const PackRun& run);
void f32_pack_run__avx512(const PackRun& run);
void f32_pack_run__neon(const PackRun& run);

// Winograd F(4x4, 3x3) transforms for a stride-1, pad-1 3x3 convolution (see winograd.hpp).
// Tiles are numbered row-major over the output, tiles_w per row; tile (ty, tx) covers output
// rows 4ty .. 4ty+3 and columns 4tx .. 4tx+3, and reads the input's 6x6 patch at
// (4ty - 1, 4tx - 1), zero outside the image.

// Input transform V = B^T d B of channels [c0, c0 + kc) for tiles [t0, t0 + nt), written as
// packed B micro-panels of `nr` columns and `depth` (>= kc) rows, one matrix per transform
// point xi (0..35) at dst + xi * xi_stride: tile t0 + j, channel c0 + c at
// (j / nr) * depth * nr + c * nr + j % nr. Columns from nt up to the next multiple of nr are
// zeroed. depth > kc lets threads fill one panel's rows in parts (dst at their first row).
// `image` may hold a band of the map: its first row is map row row0, and it must hold every
// map row the tiles read (rows outside the map, [0, height), read as zero).
struct WinogradInput {
  const float* image;  // channel c at image + c * plane
  std::size_t plane;
  int row0;
  int height;
  int width;
  int tiles_w;
  int c0;
  int kc;
  int depth;
  int t0;
  int nt;
  int nr;
  float* dst;
  std::size_t xi_stride;
};

// Output transform Y = A^T m A of rows [0, oc) of the products m (point xi, row o, tile
// t0 + j at m + xi * xi_stride + o * ld + j), then + bias, + residual, ReLU, stored to the
// output channels o0 .. o0 + oc - 1: map rows below row_end and columns below width. `out`
// (and `residual`, laid out alike) may hold a band of the map starting at map row row0.
struct WinogradOutput {
  const float* m;
  std::size_t xi_stride;
  std::size_t ld;
  int o0;
  int oc;
  int t0;
  int nt;
  int tiles_w;
  float* out;  // channel o at out + o * plane
  const float* residual;  // like out, null = none
  std::size_t plane;
  int row0;
  int row_end;
  int width;
  const float* bias;  // per output channel, null = zero
  bool relu;
};

using WinogradInputFn = void (*)(const WinogradInput& job);
using WinogradOutputFn = void (*)(const WinogradOutput& job);

void f32_winograd_f43_input__scalar(const WinogradInput& job);
void f32_winograd_f43_output__scalar(const WinogradOutput& job);
void f32_winograd_f43_input__avx2(const WinogradInput& job);
void f32_winograd_f43_output__avx2(const WinogradOutput& job);
void f32_winograd_f43_input__avx512(const WinogradInput& job);
void f32_winograd_f43_output__avx512(const WinogradOutput& job);
void f32_winograd_f43_input__neon(const WinogradInput& job);
void f32_winograd_f43_output__neon(const WinogradOutput& job);

// ---- int8: u8 activations x s8 weights -> s32, requantised in the epilogue --------------------
//
// A qu8 microkernel is an indirect GEMM (the int8 convolution over channels-last u8 maps, which
// it reads in place: nothing of the activations is packed). It computes one tile C[mr][nr]
// (mr <= MR output pixels, nr <= NR output channels) over ks taps of kc input channels, so that
// no s32 value ever leaves the registers:
//   a: ks * MR pointers, a[t * MR + i] the channel vector pixel i reads for tap t (a buffer of
//      the input's zero point where the tap falls in the padding); each is read for kc bytes
//      rounded up to 4 (what lies past kc meets zero weights). Rows >= mr hold valid pointers
//      too (any), whose results are not stored.
//   w: packed weights (qu8_pack.hpp), for each tap and each group of 4 channels NR x 4 bytes,
//      column j's four channels at j * 4 (columns >= nr and channels >= kc zero).
// Then, per element (pixel i, channel j), exactly (the scalar kernel is the definition):
//   acc = sum a * w - correction[j]                           (int32; correction = z_in * sum w)
//   v   = fma(float(acc), scale[j], bias[j])                   (the real value)
//   v   = fma(float(residual - residual_zero), residual_scale, v)   if there is a residual
//   v   = max(v, 0)                                            if relu
// and C is quantize_u8(v, out_inverse_scale, out_zero) (ffnet/core/quant.hpp), or for the logits
// (float_output) v as a float; channels-last either way: (i, j) at c[i * ldc + j].
// weight_sum[j] is column j's sum of weights over all taps and channels: kernels without a u8 x s8
// product (the NEON sdot and plain ones multiply a ^ 0x80 = a - 128) add 128 * weight_sum[j] back;
// the others ignore it.
struct QuantEpilogue {
  const std::int32_t* correction = nullptr;  // nr values, from the tile's first channel
  const std::int32_t* weight_sum = nullptr;  // nr values, from the tile's first channel
  const float* scale = nullptr;              // nr values: s_in * s_weight[channel]
  const float* bias = nullptr;               // nr values, in real units
  const std::uint8_t* residual = nullptr;    // (i, j) at residual[i * ld_residual + j]; null = none
  std::size_t ld_residual = 0;
  float residual_scale = 1.0f;
  int residual_zero = 0;
  bool relu = false;
  bool float_output = false;  // C is float (the logits), else u8
  float out_inverse_scale = 1.0f;
  int out_zero = 0;
};

using Qu8IgemmMicrokernel = void (*)(int mr, int nr, int kc, int ks, const std::uint8_t* const* a,
                                     const std::int8_t* w, void* c, std::size_t ldc, const QuantEpilogue& epilogue);

void qu8_igemm_4x8c4__scalar(int mr, int nr, int kc, int ks, const std::uint8_t* const* a, const std::int8_t* w,
                             void* c, std::size_t ldc, const QuantEpilogue& epilogue);
void qu8_igemm_8x32c4__avx512vnni(int mr, int nr, int kc, int ks, const std::uint8_t* const* a,
                                  const std::int8_t* w, void* c, std::size_t ldc, const QuantEpilogue& epilogue);
void qu8_igemm_6x16c4__avxvnni(int mr, int nr, int kc, int ks, const std::uint8_t* const* a, const std::int8_t* w,
                               void* c, std::size_t ldc, const QuantEpilogue& epilogue);
void qu8_igemm_6x16c4__avx512vnni_ymm(int mr, int nr, int kc, int ks, const std::uint8_t* const* a,
                                      const std::int8_t* w, void* c, std::size_t ldc, const QuantEpilogue& epilogue);
void qu8_igemm_6x8c4__avx2(int mr, int nr, int kc, int ks, const std::uint8_t* const* a, const std::int8_t* w,
                           void* c, std::size_t ldc, const QuantEpilogue& epilogue);
void qu8_igemm_8x8c4__neoni8mm(int mr, int nr, int kc, int ks, const std::uint8_t* const* a, const std::int8_t* w,
                               void* c, std::size_t ldc, const QuantEpilogue& epilogue);
void qu8_igemm_8x8c4__neondot(int mr, int nr, int kc, int ks, const std::uint8_t* const* a, const std::int8_t* w,
                              void* c, std::size_t ldc, const QuantEpilogue& epilogue);
void qu8_igemm_4x8c4__neon(int mr, int nr, int kc, int ks, const std::uint8_t* const* a, const std::int8_t* w,
                           void* c, std::size_t ldc, const QuantEpilogue& epilogue);

}  // namespace ffnet::ops::gemm
