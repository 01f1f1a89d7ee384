// Packing of A (weights, once) and of B tiles (plain matrix or implicit im2col, per K x N
// tile at run time). Layouts are described in pack.hpp.
#include "ops/gemm/pack.hpp"

#include <algorithm>
#include <climits>

namespace ffnet::ops::gemm {
namespace {

// Columns a packing run may span: each of its rows pays the run's bookkeeping (tap, row,
// border tests) once. 64 is one AVX-512 micro-panel and four AVX2 ones; with runs cut at every
// 16-column AVX2 panel, packing took 24 % of layer1 3x3 64->64 @256x512 under --isa avx2_fma
// (10 % with AVX-512's 64-column panels).
constexpr int kRunColumns = 64;

// Cuts the tile's columns into runs of at most kRunColumns that do not cross a multiple of
// `row_len` in n (an output row, for im2col), and hands each to the kernel's packer with
// `run` completed by its position; then zeroes the padding columns of the last micro-panel.
// to_image(n) gives the image (y0, x0) of column n's first tap.
template <class ToImage>
void pack_b_runs(const BTile& tile, const GemmKernelInfo& kernel, int row_len, PackRun run,
                 float* packed, ToImage to_image) {
  const int nr = kernel.nr;
  const std::size_t panel_stride = std::size_t(tile.kc) * std::size_t(nr);
  run.k0 = tile.k0;
  run.kc = tile.kc;
  run.dst_stride = std::size_t(nr);
  run.panel_stride = panel_stride;
  const int run_columns = std::max(nr, kRunColumns / nr * nr);
  int x = tile.n0 % row_len;
  for (int col = 0; col < tile.nc;) {
    const int in_panel = col % nr;
    run.panel_columns = nr - in_panel;
    run.len = std::min({run_columns - in_panel, tile.nc - col, row_len - x});
    run.dst = packed + std::size_t(col / nr) * panel_stride + std::size_t(in_panel);
    to_image(tile.n0 + col, run);
    kernel.pack_run(run);
    col += run.len;
    x += run.len;
    if (x == row_len) x = 0;
  }
  const int padding = round_up(tile.nc, nr) - tile.nc;
  float* last_panel = packed + std::size_t(tile.nc / nr) * panel_stride + std::size_t(tile.nc % nr);
  for (int kk = 0; padding > 0 && kk < tile.kc; ++kk)
    std::fill_n(last_panel + std::size_t(kk) * std::size_t(nr), padding, 0.0f);
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

void unpack_a(const PackedALayout& layout, const float* packed, float* a) {
  for (int row = 0; row < layout.m; ++row)
    for (int col = 0; col < layout.k; ++col)
      a[std::size_t(row) * std::size_t(layout.k) + std::size_t(col)] = packed[layout.element_offset(row, col)];
}

void pack_b(const MatrixB& source, const BTile& tile, const GemmKernelInfo& kernel,
            float* packed) {
  // A matrix is a 1x1 convolution's input with one image row per channel.
  const PackRun run{.image = source.data, .plane = source.ldb, .height = 1, .width = INT_MAX, .kernel_h = 1,
                    .kernel_w = 1, .stride = 1};
  pack_b_runs(tile, kernel, INT_MAX, run, packed, [](int n, PackRun& r) { r.x0 = n; });
}

void pack_b(const Im2colB& source, const BTile& tile, const GemmKernelInfo& kernel,
            float* packed) {
  const ConstView& in = source.input;
  const int stride = source.stride;
  const int out_w = source.out_w;
  const int height = source.height > 0 ? source.height : in.dims.h;
  const PackRun run{.image = in.data, .plane = in.dims.plane(), .height = height, .width = in.dims.w,
                    .kernel_h = source.kernel_h, .kernel_w = source.kernel_w, .stride = stride, .row0 = source.row0};
  pack_b_runs(tile, kernel, out_w, run, packed, [&](int n, PackRun& r) {
    r.y0 = n / out_w * stride - source.pad;
    r.x0 = n % out_w * stride - source.pad;
  });
}

}  // namespace ffnet::ops::gemm
