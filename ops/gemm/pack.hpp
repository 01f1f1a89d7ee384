#pragma once
// Packing GEMM operands into the micro-panel layouts of gemm_kernel.hpp.
//
// Packed A (the weights, packed once): K is cut into blocks of depth KC (the last may be
// shorter); block p holds ceil(m/MR) micro-panels of kc x MR floats, rows >= m zero. Block p
// starts at p * KC * padded_m, its micro-panel i at + i * MR * kc.
//
// Packed B tile (at run time, per thread): k range [k0, k0 + kc) x column range [n0, n0 + nc),
// as ceil(nc/NR) micro-panels of kc x NR floats, columns >= nc zero.
#include <cstddef>

#include "ffnet/core/tensor.hpp"
#include "ops/gemm/block_math.hpp"
#include "ops/gemm/kernel_table.hpp"

namespace ffnet::ops::gemm {

struct PackedALayout {
  int m = 0;
  int k = 0;
  int mr = 0;
  int kc = 0;

  int padded_m() const { return round_up(m, mr); }
  std::size_t floats() const { return std::size_t(padded_m()) * std::size_t(k); }
  // Micro-panel of rows [row, row + MR) in the K block starting at k0 (row % MR == 0).
  std::size_t panel_offset(int k0, int row, int depth) const {
    return std::size_t(k0) * std::size_t(padded_m()) + std::size_t(row) * std::size_t(depth);
  }
  // Where element (row, col) of the m x k matrix lands.
  std::size_t element_offset(int row, int col) const {
    const int k0 = col / kc * kc;
    const int depth = k - k0 < kc ? k - k0 : kc;
    return panel_offset(k0, row / mr * mr, depth) + std::size_t(col - k0) * std::size_t(mr) +
           std::size_t(row % mr);
  }
};

// a: row-major m x k with row stride lda.
void pack_a(const float* a, std::size_t lda, const PackedALayout& layout, float* packed);
// The inverse: the m x k matrix (row stride k) back from its packed layout.
void unpack_a(const PackedALayout& layout, const float* packed, float* a);

struct BTile {
  int k0 = 0;
  int kc = 0;
  int n0 = 0;
  int nc = 0;
};

// B is a plain row-major matrix (row stride ldb), e.g. a 1x1 stride-1 convolution's input.
struct MatrixB {
  const float* data = nullptr;
  std::size_t ldb = 0;
};

// B is the im2col matrix of a convolution, never materialised: row k = (c, ky, kx) in
// c-major order (as OIHW weights), column n = output pixel (oy, ox) row-major. `input` may
// hold only rows [row0, row0 + input.dims.h) of an image `height` rows high (0: all rows).
struct Im2colB {
  ConstView input;
  int kernel_h = 1;
  int kernel_w = 1;
  int stride = 1;
  int pad = 0;
  int out_w = 0;
  int row0 = 0;
  int height = 0;
};

// Packs for `kernel`: its NR and its ISA's row copy.
void pack_b(const MatrixB& source, const BTile& tile, const GemmKernelInfo& kernel,
            float* packed);
void pack_b(const Im2colB& source, const BTile& tile, const GemmKernelInfo& kernel,
            float* packed);

}  // namespace ffnet::ops::gemm
