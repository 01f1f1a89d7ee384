// Packing of A (weights, once) and of B tiles (plain matrix or implicit im2col, per K x N
// tile at run time). Layouts are described in pack.hpp.
#include "ops/gemm/pack.hpp"

#include <algorithm>
#include <climits>

namespace ffnet::ops::gemm {
namespace {

void fill_zero(float* dst, int count) {
  for (int i = 0; i < count; ++i) dst[i] = 0.0f;
}

// Contiguous copy: a loop the compiler vectorises (or turns into memcpy) for the baseline ISA.
void copy_floats(float* __restrict dst, const float* __restrict src, int count) {
  for (int i = 0; i < count; ++i) dst[i] = src[i];
}

int ceil_div(int a, int b) { return (a + b - 1) / b; }

// Walks a B tile row by row (k) and each row in segments that neither cross a micro-panel
// boundary nor a multiple of `row_len` in n (an output row, for im2col); fill(dst, k, n, len)
// writes the `len` packed values of row k starting at column n.
template <class Fill>
void pack_b_segments(const BTile& tile, int nr, int row_len, float* packed, Fill fill) {
  const std::size_t panel_stride = std::size_t(tile.kc) * std::size_t(nr);
  const int padding = round_up(tile.nc, nr) - tile.nc;
  for (int kk = 0; kk < tile.kc; ++kk) {
    float* row = packed + std::size_t(kk) * std::size_t(nr);
    for (int col = 0; col < tile.nc;) {
      const int n = tile.n0 + col;
      const int in_panel = col % nr;
      const int len = std::min({nr - in_panel, tile.nc - col, row_len - n % row_len});
      fill(row + std::size_t(col / nr) * panel_stride + std::size_t(in_panel), tile.k0 + kk, n, len);
      col += len;
    }
    if (padding > 0)
      fill_zero(row + std::size_t(tile.nc / nr) * panel_stride + std::size_t(tile.nc % nr), padding);
  }
}

}  // namespace

void pack_a(const float* a, std::size_t lda, const PackedALayout& layout, float* packed) {
  for (int k0 = 0; k0 < layout.k; k0 += layout.kc) {
    const int depth = std::min(layout.kc, layout.k - k0);
    for (int row0 = 0; row0 < layout.padded_m(); row0 += layout.mr) {
      float* panel = packed + layout.panel_offset(k0, row0, depth);
      for (int kk = 0; kk < depth; ++kk) {
        for (int r = 0; r < layout.mr; ++r) {
          const int row = row0 + r;
          panel[kk * layout.mr + r] =
              row < layout.m ? a[std::size_t(row) * lda + std::size_t(k0 + kk)] : 0.0f;
        }
      }
    }
  }
}

void pack_b(const MatrixB& source, const BTile& tile, int nr, float* packed) {
  pack_b_segments(tile, nr, INT_MAX, packed, [&](float* dst, int k, int n, int len) {
    copy_floats(dst, source.data + std::size_t(k) * source.ldb + std::size_t(n), len);
  });
}

void pack_b(const Im2colB& source, const BTile& tile, int nr, float* packed) {
  const int taps = source.kernel_h * source.kernel_w;
  const int in_h = source.input.dims.h;
  const int in_w = source.input.dims.w;
  const int stride = source.stride;
  pack_b_segments(tile, nr, source.out_w, packed, [&](float* dst, int k, int n, int len) {
    const int c = k / taps;
    const int ky = (k - c * taps) / source.kernel_w;
    const int kx = k - c * taps - ky * source.kernel_w;
    const int oy = n / source.out_w;
    const int ox = n - oy * source.out_w;
    const int iy = oy * stride - source.pad + ky;
    if (iy < 0 || iy >= in_h) return fill_zero(dst, len);
    const float* src = source.input.row(c, iy);
    // Segment positions t in [first, last) read inside the row: 0 <= x0 + t * stride < in_w.
    const int x0 = ox * stride - source.pad + kx;
    const int first = std::min(len, x0 >= 0 ? 0 : ceil_div(-x0, stride));
    const int last = std::max(first, std::min(len, x0 >= in_w ? 0 : ceil_div(in_w - x0, stride)));
    fill_zero(dst, first);
    if (stride == 1) {
      copy_floats(dst + first, src + x0 + first, last - first);
    } else {
      for (int t = first; t < last; ++t) dst[t] = src[x0 + t * stride];
    }
    fill_zero(dst + last, len - last);
  });
}

}  // namespace ffnet::ops::gemm
