#pragma once
// The body of a PackRun (gemm_kernel.hpp), shared by the f32_pack_run__{isa}.cpp files: each is
// compiled with its ISA's flags and instantiates it with its own row operations, inlined:
//   struct Rows {
//     static void copy(float* dst, const float* src, int count, int stride);  // dst[t] = src[t * stride]
//     static void zero(float* dst, int count);
//   };
// Everything here has internal linkage (anonymous namespace), so that code compiled for one
// ISA can never be what the linker picks for another translation unit.
#include <cstdint>

#include "ops/gemm/block_math.hpp"
#include "ops/gemm/gemm_kernel.hpp"

namespace ffnet::ops::gemm {
namespace {

inline int clamp_int(int value, int low, int high) {
  return value < low ? low : value > high ? high : value;
}

// The run reads `floats` from each of its kc rows and the next run reads on from the same
// places, but only after all kc rows: too many streams for the hardware prefetchers to follow.
// (Integer address arithmetic: the next run may lie past the end of the image.)
inline void prefetch_next_run(const float* src, int floats) {
  const auto address = reinterpret_cast<std::uintptr_t>(src);
  for (int ahead = floats; ahead < 2 * floats; ahead += 16)
    __builtin_prefetch(reinterpret_cast<const void*>(address + std::uintptr_t(ahead) * sizeof(float)));
}

// A row that touches the zero padding: zeros outside the image row, the rest copied.
template <class Rows>
inline void pack_border_row(float* dst, const float* row, int x0, int len, int stride,
                            int width) {
  // Columns t in [first, last) read inside the row: 0 <= x0 + t * stride < width.
  const int first = clamp_int(x0 >= 0 ? 0 : ceil_div(-x0, stride), 0, len);
  const int last = clamp_int(x0 >= width ? 0 : ceil_div(width - x0, stride), first, len);
  Rows::zero(dst, first);
  if (last > first) Rows::copy(dst + first, row + (x0 + first * stride), last - first, stride);
  Rows::zero(dst + last, len - last);
}

// One row of the run, `len` columns from image column x0 of `row`, cut at the micro-panels it
// crosses: all zeros when `row` is null (a row outside the image), copied when `inside` (every
// column inside the row), else zeros for the columns outside the row.
template <class Rows>
inline void pack_row(const PackRun& r, float* dst, const float* row, int x0, bool inside) {
  const int width = int(r.dst_stride);  // a micro-panel's columns
  int t = 0;
  int count = r.panel_columns > 0 && r.panel_columns < r.len ? r.panel_columns : r.len;
  float* panel_row = dst;  // this row's column 0 in the current panel, once past the first
  while (true) {
    if (row == nullptr)
      Rows::zero(dst, count);
    else if (inside)
      Rows::copy(dst, row + (x0 + t * r.stride), count, r.stride);
    else
      pack_border_row<Rows>(dst, row, x0 + t * r.stride, count, r.stride, r.width);
    if (t + count >= r.len) return;
    if (t == 0) panel_row -= width - count;  // the first panel's column 0 (count = panel_columns)
    t += count;
    panel_row += r.panel_stride;
    dst = panel_row;
    count = r.len - t < width ? r.len - t : width;
  }
}

template <class Rows>
inline void pack_run_with(const PackRun& run) {
  // Fields copied to locals: SIMD stores may alias anything, so the compiler would otherwise
  // reload them from `run` after every store.
  const PackRun r = run;
  const int taps = r.kernel_h * r.kernel_w;
  int c = r.k0 / taps;  // (c, ky, kx) of row k0, then stepped incrementally
  int ky = r.k0 % taps / r.kernel_w;
  int kx = r.k0 % r.kernel_w;
  const int span = (r.len - 1) * r.stride;  // image columns from the run's first to its last
  float* dst = r.dst;
  for (int kk = 0; kk < r.kc; ++kk, dst += r.dst_stride) {
    const int iy = r.y0 + ky;
    const int ix = r.x0 + kx;
    if (iy < 0 || iy >= r.height) {
      pack_row<Rows>(r, dst, nullptr, ix, false);
    } else {
      const float* row =
          r.image + std::size_t(c) * r.plane + std::size_t(iy - r.row0) * std::size_t(r.width);
      const bool inside = ix >= 0 && ix + span < r.width;
      if (inside) prefetch_next_run(row + ix, span + 1);
      pack_row<Rows>(r, dst, row, ix, inside);
    }
    if (++kx == r.kernel_w) {
      kx = 0;
      if (++ky == r.kernel_h) {
        ky = 0;
        ++c;
      }
    }
  }
}

}  // namespace
}  // namespace ffnet::ops::gemm
