#pragma once
// The bodies of the Winograd F(4x4, 3x3) transforms (WinogradInput / WinogradOutput in
// gemm_kernel.hpp), shared by the f32_winograd_f43__{isa}.cpp files: each is compiled with its
// ISA's flags, and the loops over kLanes tiles below are written for the compiler to
// vectorise. The one step compilers do not vectorise, splitting a row of 16 tiles' columns by
// position within the tile, is a policy (`Split`) a file may replace with intrinsics.
// Internal linkage throughout, as in pack_run.hpp.
//
// Transform matrices (Lavin & Gray, interpolation points 0, +-1, +-2, infinity):
//   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0;
//          0 4 0 -5 0 1]
//   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
#include <algorithm>
#include <cstddef>

#include "ops/gemm/gemm_kernel.hpp"

namespace ffnet::ops::gemm {
namespace {

constexpr int kLanes = 16;       // tiles transformed side by side
constexpr int kRowFloats = 4 * kLanes + 4;  // input columns 16 tiles read (66), rounded up

// 6 x 6 values per tile, [row][column][tile].
struct Tiles6 {
  alignas(64) float v[6][6][kLanes];
};

// v[s][l] = row[4 * l + s] for s < 6, l < kLanes: the patch columns of 16 side-by-side tiles.
struct PlainSplit {
  static void split(const float* row, float (*v)[kLanes]) {
    for (int l = 0; l < kLanes; ++l) {
      v[0][l] = row[4 * l];
      v[1][l] = row[4 * l + 1];
      v[2][l] = row[4 * l + 2];
      v[3][l] = row[4 * l + 3];
    }
    for (int l = 0; l < kLanes; ++l) {
      v[4][l] = row[4 * l + 4];
      v[5][l] = row[4 * l + 5];
    }
  }
  // The inverse: row[4 * l + s] = v[s][l] for s < 4 (the output columns of 16 tiles).
  static void merge(const float (*v)[kLanes], float* row) {
    for (int l = 0; l < kLanes; ++l) {
      row[4 * l] = v[0][l];
      row[4 * l + 1] = v[1][l];
      row[4 * l + 2] = v[2][l];
      row[4 * l + 3] = v[3][l];
    }
  }
};

inline bool in_one_tile_row(int t, int count, int tiles_w) {
  return t / tiles_w == (t + count - 1) / tiles_w;
}

// out[k] = (B^T in)[k] for 6 rows of kLanes values.
inline void input_1d(const float* const in[6], float* const out[6]) {
  for (int l = 0; l < kLanes; ++l) {
    const float d0 = in[0][l], d1 = in[1][l], d2 = in[2][l], d3 = in[3][l], d4 = in[4][l],
                d5 = in[5][l];
    const float a = d4 - 4.0f * d2, b = d3 - 4.0f * d1;
    const float c = d4 - d2, d = 2.0f * (d3 - d1);
    out[0][l] = 4.0f * d0 - 5.0f * d2 + d4;
    out[1][l] = a + b;
    out[2][l] = a - b;
    out[3][l] = c + d;
    out[4][l] = c - d;
    out[5][l] = 4.0f * d1 - 5.0f * d3 + d5;
  }
}

// out[i] = (A^T in)[i], 6 rows in, 4 out.
inline void output_1d(const float* const in[6], float* const out[4]) {
  for (int l = 0; l < kLanes; ++l) {
    const float a = in[1][l] + in[2][l], b = in[1][l] - in[2][l];
    const float c = in[3][l] + in[4][l], d = in[3][l] - in[4][l];
    out[0][l] = in[0][l] + a + c;
    out[1][l] = b + 2.0f * d;
    out[2][l] = a + 4.0f * c;
    out[3][l] = b + 8.0f * d + in[5][l];
  }
}

// The 6x6 input patches of `count` tiles from t (one channel plane); lanes >= count are zero.
// `plane` holds map rows from row0 on.
template <class Split>
inline void load_patches(const float* plane, int row0, int height, int width, int tiles_w, int t,
                         int count, Tiles6& p) {
  if (count == kLanes && in_one_tile_row(t, count, tiles_w)) {
    const int y0 = 4 * (t / tiles_w) - 1;
    const int x0 = 4 * (t % tiles_w) - 1;
    // The columns from x0 into a zero-padded row, then split by position within the tile.
    const int lo = std::max(0, -x0);
    const int hi = std::min(kRowFloats, width - x0);
    alignas(64) float row[kRowFloats];
    for (int r = 0; r < 6; ++r) {
      const int y = y0 + r;
      if (y < 0 || y >= height || hi <= lo) {
        for (int x = 0; x < kRowFloats; ++x) row[x] = 0.0f;
      } else {
        const float* src = plane + std::size_t(y - row0) * std::size_t(width) + x0;
        for (int x = 0; x < lo; ++x) row[x] = 0.0f;
        for (int x = lo; x < hi; ++x) row[x] = src[x];
        for (int x = hi; x < kRowFloats; ++x) row[x] = 0.0f;
      }
      Split::split(row, p.v[r]);
    }
    return;
  }
  // Tiles across a row boundary, or a short group: one element at a time.
  for (int l = 0; l < kLanes; ++l) {
    const int ty = (t + l) / tiles_w, tx = (t + l) % tiles_w;
    for (int r = 0; r < 6; ++r) {
      for (int s = 0; s < 6; ++s) {
        const int y = 4 * ty - 1 + r, x = 4 * tx - 1 + s;
        const bool inside = l < count && y >= 0 && y < height && x >= 0 && x < width;
        p.v[r][s][l] =
            inside ? plane[std::size_t(y - row0) * std::size_t(width) + std::size_t(x)] : 0.0f;
      }
    }
  }
}

template <class Split = PlainSplit>
inline void winograd_input_with(const WinogradInput& job) {
  const WinogradInput w = job;  // locals: stores through float* may alias the job's fields
  const int columns = (w.nt + w.nr - 1) / w.nr * w.nr;
  Tiles6 d, rows, v;
  for (int c = 0; c < w.kc; ++c) {
    const float* plane = w.image + std::size_t(w.c0 + c) * w.plane;
    for (int j = 0; j < columns; j += kLanes) {
      const int count = std::clamp(w.nt - j, 0, kLanes);
      load_patches<Split>(plane, w.row0, w.height, w.width, w.tiles_w, w.t0 + j, count, d);
      // Along each patch row, then down each column.
      for (int r = 0; r < 6; ++r) {
        const float* in[6] = {d.v[r][0], d.v[r][1], d.v[r][2], d.v[r][3], d.v[r][4], d.v[r][5]};
        float* out[6] = {rows.v[r][0], rows.v[r][1], rows.v[r][2], rows.v[r][3], rows.v[r][4],
                         rows.v[r][5]};
        input_1d(in, out);
      }
      for (int s = 0; s < 6; ++s) {
        const float* in[6] = {rows.v[0][s], rows.v[1][s], rows.v[2][s], rows.v[3][s],
                              rows.v[4][s], rows.v[5][s]};
        float* out[6] = {v.v[0][s], v.v[1][s], v.v[2][s], v.v[3][s], v.v[4][s], v.v[5][s]};
        input_1d(in, out);
      }
      if (w.nr % kLanes == 0) {  // the 16 lanes lie in one micro-panel
        float* dst = w.dst + std::size_t(j / w.nr) * std::size_t(w.depth) * std::size_t(w.nr) +
                     std::size_t(c) * std::size_t(w.nr) + std::size_t(j % w.nr);
        for (int xi = 0; xi < 36; ++xi) {
          const float* src = v.v[xi / 6][xi % 6];
          float* to = dst + std::size_t(xi) * w.xi_stride;
          for (int l = 0; l < kLanes; ++l) to[l] = src[l];
        }
        continue;
      }
      // An NR that is not a multiple of 16 (the 12 of the NEON kernel): lanes cross micro-panels,
      // and the last group may reach past the padded columns.
      for (int l = 0; l < kLanes && j + l < columns; ++l) {
        const int column = j + l;
        float* dst = w.dst + std::size_t(column / w.nr) * std::size_t(w.depth) * std::size_t(w.nr) +
                     std::size_t(c) * std::size_t(w.nr) + std::size_t(column % w.nr);
        for (int xi = 0; xi < 36; ++xi) dst[std::size_t(xi) * w.xi_stride] = v.v[xi / 6][xi % 6][l];
      }
    }
  }
}

// out = relu?(value + bias + residual) for one output element.
inline float finish(float value, float bias, const float* residual, std::size_t at, bool relu) {
  float x = value + bias;
  if (residual != nullptr) x += residual[at];
  return relu && x < 0.0f ? 0.0f : x;  // NaN passes, as in PyTorch and the GEMM kernels
}

inline void winograd_output_with(const WinogradOutput& job) {
  const WinogradOutput w = job;
  Tiles6 m, cols;
  alignas(64) float y[4][4][kLanes];
  alignas(64) float row[4 * kLanes];
  for (int o = 0; o < w.oc; ++o) {
    const int channel = w.o0 + o;
    const float bias = w.bias != nullptr ? w.bias[channel] : 0.0f;
    float* out = w.out + std::size_t(channel) * w.plane;
    const float* residual = w.residual != nullptr ? w.residual + std::size_t(channel) * w.plane : nullptr;
    for (int j = 0; j < w.nt; j += kLanes) {
      const int count = std::min(kLanes, w.nt - j);
      for (int xi = 0; xi < 36; ++xi) {
        const float* src = w.m + std::size_t(xi) * w.xi_stride + std::size_t(o) * w.ld + std::size_t(j);
        for (int l = 0; l < kLanes; ++l) m.v[xi / 6][xi % 6][l] = src[l];
      }
      for (int r = 0; r < 6; ++r) {
        const float* in[6] = {m.v[r][0], m.v[r][1], m.v[r][2], m.v[r][3], m.v[r][4], m.v[r][5]};
        float* to[4] = {cols.v[r][0], cols.v[r][1], cols.v[r][2], cols.v[r][3]};
        output_1d(in, to);
      }
      for (int s = 0; s < 4; ++s) {
        const float* in[6] = {cols.v[0][s], cols.v[1][s], cols.v[2][s], cols.v[3][s],
                              cols.v[4][s], cols.v[5][s]};
        float* to[4] = {y[0][s], y[1][s], y[2][s], y[3][s]};
        output_1d(in, to);
      }
      const int t = w.t0 + j;
      if (in_one_tile_row(t, count, w.tiles_w)) {
        const int oy = 4 * (t / w.tiles_w), ox = 4 * (t % w.tiles_w);
        const int n = std::min(4 * count, w.width - ox);
        for (int i = 0; i < 4 && oy + i < w.row_end; ++i) {
          PlainSplit::merge(y[i], row);
          const std::size_t at = std::size_t(oy + i - w.row0) * std::size_t(w.width) + std::size_t(ox);
          for (int x = 0; x < n; ++x) out[at + x] = finish(row[x], bias, residual, at + x, w.relu);
        }
        continue;
      }
      for (int l = 0; l < count; ++l) {
        const int ty = (t + l) / w.tiles_w, tx = (t + l) % w.tiles_w;
        for (int i = 0; i < 4 && 4 * ty + i < w.row_end; ++i) {
          for (int s = 0; s < 4 && 4 * tx + s < w.width; ++s) {
            const std::size_t at = std::size_t(4 * ty + i - w.row0) * std::size_t(w.width) + std::size_t(4 * tx + s);
            out[at] = finish(y[i][s][l], bias, residual, at, w.relu);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace ffnet::ops::gemm
