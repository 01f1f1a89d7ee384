// Packing of the qu8 GEMM's A (weights, once) and B (activations, per tile): layouts in
// qu8_pack.hpp. B is packed 4 K rows at a time: each of the 4 rows of a run of columns is read
// straight from the image where it can be (stride 1, inside the image), else gathered into a
// small buffer with the zero point where it reads padding; then the 4 rows are interleaved.
#include "ops/gemm/qu8_pack.hpp"

#include <algorithm>
#include <cstring>

namespace ffnet::ops::gemm {

void qu8_pack_a(const std::int8_t* w, const Qu8ALayout& layout, std::int8_t* packed) {
  const int kpad = layout.kpad(), mr = layout.mr;
  std::memset(packed, 0, layout.bytes());
  for (int row = 0; row < layout.m; ++row) {
    std::int8_t* panel = packed + layout.panel_offset(row / mr * mr);
    for (int k = 0; k < layout.k; ++k)
      panel[std::size_t(k / 4) * std::size_t(mr) * 4 + std::size_t(row % mr) * 4 + std::size_t(k % 4)] =
          w[std::size_t(row) * std::size_t(layout.k) + std::size_t(k)];
  }
  (void)kpad;
}

void qu8_row_sums(const std::int8_t* w, int m, int k, std::int32_t* sums) {
  for (int row = 0; row < m; ++row) {
    std::int32_t sum = 0;
    for (int i = 0; i < k; ++i) sum += w[std::size_t(row) * std::size_t(k) + std::size_t(i)];
    sums[row] = sum;
  }
}

namespace {

constexpr int kMaxRun = 64;  // columns of one run: at most one micro-panel of the widest kernel

// Where row k of B reads the run of columns (out_y, out_x0 .. out_x0 + len - 1): a pointer to
// its bytes, in the image when they are contiguous there, else gathered into `buffer`.
const std::uint8_t* im2col_row(const Im2colU8& s, int height, int k, int out_y, int out_x0, int len,
                               std::uint8_t* buffer) {
  const int taps = s.kernel_h * s.kernel_w;
  const int channels = s.input.dims.c;
  if (k >= channels * taps) {  // K padding: any value works (its weights are 0); the zero point
    std::memset(buffer, s.zero_point, std::size_t(len));
    return buffer;
  }
  const int c = k / taps, ky = k % taps / s.kernel_w, kx = k % s.kernel_w;
  const int iy = out_y * s.stride - s.pad + ky;
  const int ix0 = out_x0 * s.stride - s.pad + kx;
  const int width = s.input.dims.w;
  if (iy < 0 || iy >= height) {
    std::memset(buffer, s.zero_point, std::size_t(len));
    return buffer;
  }
  const std::uint8_t* row = s.input.row(c, iy - s.row0);
  if (s.stride == 1 && ix0 >= 0 && ix0 + len <= width) return row + ix0;
  for (int t = 0; t < len; ++t) {
    const int ix = ix0 + t * s.stride;
    buffer[t] = ix >= 0 && ix < width ? row[ix] : s.zero_point;
  }
  return buffer;
}

}  // namespace

void qu8_pack_b(const Im2colU8& s, int n0, int nc, int kpad, int nr, std::uint8_t* packed) {
  const int height = s.height > 0 ? s.height : s.input.dims.h;
  alignas(64) std::uint8_t buffers[4][kMaxRun];
  const std::uint8_t* rows[4];
  const std::size_t panel_bytes = std::size_t(nr) * std::size_t(kpad);
  for (int col = 0; col < nc;) {
    const int in_panel = col % nr;
    const int out_y = (n0 + col) / s.out_w, out_x = (n0 + col) % s.out_w;
    const int len = std::min({nr - in_panel, nc - col, s.out_w - out_x, kMaxRun});
    std::uint8_t* dst = packed + std::size_t(col / nr) * panel_bytes + std::size_t(in_panel) * 4;
    for (int k = 0; k < kpad; k += 4, dst += std::size_t(nr) * 4) {
      for (int q = 0; q < 4; ++q) rows[q] = im2col_row(s, height, k + q, out_y, out_x, len, buffers[q]);
      qu8_interleave4(rows, len, dst);
    }
    col += len;
  }
  // The last panel's columns from nc on: the zero point (not stored by the kernels anyway).
  const int padding = round_up(nc, nr) - nc;
  if (padding > 0) {
    std::uint8_t* last = packed + std::size_t(nc / nr) * panel_bytes + std::size_t(nc % nr) * 4;
    for (int k = 0; k < kpad; k += 4) std::memset(last + std::size_t(k) * std::size_t(nr), s.zero_point, std::size_t(padding) * 4);
  }
}

}  // namespace ffnet::ops::gemm
