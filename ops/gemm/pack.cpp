// Packing of A (weights, once) and of B tiles (plain matrix or implicit im2col, per K x N
// tile at run time). Layouts are described in pack.hpp.
#include "ops/gemm/pack.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>

namespace ffnet::ops::gemm {
namespace {

void fill_zero(float* dst, int count) {
  for (int i = 0; i < count; ++i) dst[i] = 0.0f;
}

int ceil_div(int a, int b) { return (a + b - 1) / b; }

// Cuts the tile's columns into runs that neither cross a micro-panel nor a multiple of
// `row_len` in n (an output row, for im2col) and calls pack_run(dst, n, len) for each: it
// fills the run's `len` columns for every k of the tile, row k at dst + k * nr. Then zeroes
// the padding columns of the last micro-panel.
template <class PackRun>
void pack_b_runs(const BTile& tile, int nr, int row_len, float* packed, PackRun pack_run) {
  const std::size_t panel_stride = std::size_t(tile.kc) * std::size_t(nr);
  int x = tile.n0 % row_len;
  for (int col = 0; col < tile.nc;) {
    const int in_panel = col % nr;
    const int len = std::min({nr - in_panel, tile.nc - col, row_len - x});
    pack_run(packed + std::size_t(col / nr) * panel_stride + std::size_t(in_panel), tile.n0 + col,
             len);
    col += len;
    x += len;
    if (x == row_len) x = 0;
  }
  const int padding = round_up(tile.nc, nr) - tile.nc;
  if (padding == 0) return;
  float* last_panel = packed + std::size_t(tile.nc / nr) * panel_stride;
  for (int kk = 0; kk < tile.kc; ++kk)
    fill_zero(last_panel + std::size_t(kk) * std::size_t(nr) + std::size_t(tile.nc % nr), padding);
}

// A run reads `floats` from each of its kc rows; the next run reads on from the same places,
// but only after all kc rows: too many streams for the hardware prefetchers to follow.
// (Integer address arithmetic: the next run may lie past the end of the input.)
void prefetch_next_run(const float* src, int floats) {
  const auto address = reinterpret_cast<std::uintptr_t>(src);
  for (int ahead = floats; ahead < 2 * floats; ahead += 16)
    __builtin_prefetch(reinterpret_cast<const void*>(address + std::uintptr_t(ahead) * sizeof(float)));
}

// One im2col row segment that touches the zero padding: zeros outside the input row, the
// rest copied. x0 is the input column of the first output column (may be negative).
void pack_border_row(float* dst, const float* row, int x0, int len, int stride, int in_w,
                     PackRow pack_row) {
  const int first = std::min(len, x0 >= 0 ? 0 : ceil_div(-x0, stride));
  const int last = std::max(first, std::min(len, x0 >= in_w ? 0 : ceil_div(in_w - x0, stride)));
  fill_zero(dst, first);
  if (last > first) pack_row(dst + first, row + (x0 + first * stride), last - first, stride);
  fill_zero(dst + last, len - last);
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

void pack_b(const MatrixB& source, const BTile& tile, const GemmKernelInfo& kernel,
            float* packed) {
  const std::size_t nr = std::size_t(kernel.nr);
  pack_b_runs(tile, kernel.nr, INT_MAX, packed, [&](float* dst, int n, int len) {
    const float* src = source.data + std::size_t(tile.k0) * source.ldb + std::size_t(n);
    for (int kk = 0; kk < tile.kc; ++kk, src += source.ldb) {
      prefetch_next_run(src, len);
      kernel.pack_row(dst + kk * nr, src, len, 1);
    }
  });
}

void pack_b(const Im2colB& source, const BTile& tile, const GemmKernelInfo& kernel,
            float* packed) {
  const int kh = source.kernel_h;
  const int kw = source.kernel_w;
  const int stride = source.stride;
  const int in_h = source.input.dims.h;
  const int in_w = source.input.dims.w;
  const std::size_t nr = std::size_t(kernel.nr);
  pack_b_runs(tile, kernel.nr, source.out_w, packed, [&](float* dst, int n, int len) {
    const int y0 = n / source.out_w * stride - source.pad;
    const int x0 = n % source.out_w * stride - source.pad;
    // Row k of B is (channel c, tap ky, kx), stepped through incrementally.
    int c = tile.k0 / (kh * kw);
    int ky = tile.k0 % (kh * kw) / kw;
    int kx = tile.k0 % kw;
    for (int kk = 0; kk < tile.kc; ++kk, dst += nr) {
      const int iy = y0 + ky;
      const int ix = x0 + kx;
      if (iy < 0 || iy >= in_h) {
        fill_zero(dst, len);
      } else if (ix >= 0 && ix + (len - 1) * stride < in_w) {
        const float* src = source.input.row(c, iy) + ix;
        prefetch_next_run(src, len * stride);
        kernel.pack_row(dst, src, len, stride);
      } else {
        pack_border_row(dst, source.input.row(c, iy), ix, len, stride, in_w, kernel.pack_row);
      }
      if (++kx == kw) {
        kx = 0;
        if (++ky == kh) {
          ky = 0;
          ++c;
        }
      }
    }
  });
}

}  // namespace ffnet::ops::gemm
