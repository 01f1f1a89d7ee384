#pragma once
// Packing the qu8 GEMM's operands into the micro-panel layouts of gemm_kernel.hpp.
//
// Packed A (int8 weights, once at load): K padded to kpad = round_up(k, 4) with zero weights;
// rows in panels of MR (rows >= m zero); panel i at i * MR * kpad bytes, holding kpad / 4 groups
// of MR x 4 bytes.
//
// Packed B (u8 activations, per tile at run time): columns [n0, n0 + nc) in panels of NR; panel
// p at p * NR * kpad bytes, holding kpad / 4 groups of NR x 4 bytes. B is the im2col matrix of
// an NCHW u8 image (row k = (c, ky, kx) c-major, column = output pixel), never materialised;
// outside the image, and in the rows >= k, it reads the input's zero point (a real 0).
#include <cstddef>
#include <cstdint>

#include "ffnet/core/tensor.hpp"
#include "ops/gemm/block_math.hpp"

namespace ffnet::ops::gemm {

struct Qu8ALayout {
  int m = 0;
  int k = 0;
  int mr = 0;

  int kpad() const { return round_up(k, 4); }
  std::size_t bytes() const { return std::size_t(round_up(m, mr)) * std::size_t(kpad()); }
  // The micro-panel of rows [row, row + MR) (row % MR == 0).
  std::size_t panel_offset(int row) const { return std::size_t(row) * std::size_t(kpad()); }
};

// w: row-major m x k.
void qu8_pack_a(const std::int8_t* w, const Qu8ALayout& layout, std::int8_t* packed);
// sums[row] = sum over k of w[row][k], for the zero-point correction.
void qu8_row_sums(const std::int8_t* w, int m, int k, std::int32_t* sums);

// The im2col matrix of `input`, which may hold only rows [row0, row0 + input.dims.h) of an image
// `height` rows high (0: all rows).
struct Im2colU8 {
  BasicView<const std::uint8_t> input;
  int kernel_h = 1;
  int kernel_w = 1;
  int stride = 1;
  int pad = 0;
  int out_w = 0;
  int row0 = 0;
  int height = 0;
  std::uint8_t zero_point = 0;  // what the padding reads
};

// Columns [n0, n0 + nc) of B, K = channels * kernel_h * kernel_w padded to kpad, in panels of nr.
void qu8_pack_b(const Im2colU8& source, int n0, int nc, int kpad, int nr, std::uint8_t* packed);

// Four byte rows of `len` (<= 64) columns interleaved: dst[j * 4 + q] = rows[q][j]. One file per
// instruction-set family (qu8_interleave__<family>.cpp), picked by the build for the host.
void qu8_interleave4(const std::uint8_t* const rows[4], int len, std::uint8_t* dst);

}  // namespace ffnet::ops::gemm
