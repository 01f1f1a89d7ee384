// The Winograd F(4x4, 3x3) driver: weight transform at load, and the blocked, threaded run.
#include "ops/gemm/winograd.hpp"

#include <omp.h>

#include <algorithm>
#include <cstdint>

#include "ffnet/error.hpp"

namespace ffnet::ops::gemm {
namespace {

constexpr int kPoints = 36;  // 6 x 6 transform points per tile

// G (6x3): U = G g G^T.
constexpr double kG[6][3] = {
    {1.0 / 4, 0, 0},
    {-1.0 / 6, -1.0 / 6, -1.0 / 6},
    {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6},
    {1.0 / 24, -1.0 / 12, 1.0 / 6},
    {0, 0, 1},
};

struct Geometry {
  int tiles_w, tiles_h, tiles;
  int blocks;      // of kernel.winograd.tiles tiles
  int o_parts;     // output channels split into this many parts per block (small maps)
  int part_rows;   // output channels per part (a multiple of MR)
};

int ceil_div(int a, int b) { return (a + b - 1) / b; }

// Enough work items (block x channel part) to keep `threads` threads busy: when the map has
// few blocks, output channels are split too, each part transforming the block's input again.
// At most `threads` parts: more would repeat that transform more often than threads gain
// (measured: 2 threads at 128x256 input ran slower than 1 with 8 parts).
Geometry geometry(const GemmKernelInfo& kernel, const ConvShape& shape, Dims out, int threads) {
  Geometry g;
  g.tiles_w = ceil_div(out.w, 4);
  g.tiles_h = ceil_div(out.h, 4);
  g.tiles = g.tiles_w * g.tiles_h;
  g.blocks = ceil_div(g.tiles, kernel.winograd.tiles);
  const int panels = ceil_div(shape.out_channels, kernel.mr);
  const int wanted_items = 4 * threads;
  g.o_parts = threads > 1 && g.blocks < wanted_items
                  ? std::min({panels, threads, ceil_div(wanted_items, g.blocks)})
                  : 1;
  g.part_rows = ceil_div(panels, g.o_parts) * kernel.mr;
  g.o_parts = ceil_div(shape.out_channels, g.part_rows);
  return g;
}

int k_depth(const GemmKernelInfo& kernel, int k) {
  const int blocks = ceil_div(k, kernel.winograd.kc);
  return ceil_div(k, blocks);
}

std::size_t v_floats(const GemmKernelInfo& kernel, const ConvShape& shape) {
  return std::size_t(kPoints) * std::size_t(k_depth(kernel, shape.in_channels)) *
         std::size_t(kernel.winograd.tiles);
}

std::size_t m_floats(const GemmKernelInfo& kernel, const Geometry& g) {
  return std::size_t(kPoints) * std::size_t(g.part_rows) * std::size_t(kernel.winograd.tiles);
}

constexpr std::size_t kAlignmentSlack = 16;

float* aligned(float* p) {
  const auto address = reinterpret_cast<std::uintptr_t>(p);
  return p + ((64 - address % 64) % 64) / sizeof(float);
}

struct Job {
  const GemmKernelInfo& kernel;
  const ConvShape& shape;
  const float* packed;
  const float* bias;
  ConstView in;
  View out;
  const ConvEpilogue& epilogue;
  Geometry g;
};

// One block of tiles x one part of the output channels.
void run_item(const Job& job, int block, int part, float* v, float* m) {
  const GemmKernelInfo& kernel = job.kernel;
  const Geometry& g = job.g;
  const int nt_max = kernel.winograd.tiles;
  const int t0 = block * nt_max;
  const int nt = std::min(nt_max, g.tiles - t0);
  const int o0 = part * g.part_rows;
  const int oc = std::min(g.part_rows, job.shape.out_channels - o0);
  const PackedALayout a = winograd_a_layout(kernel, job.shape);
  const std::size_t a_stride = a.floats();
  const int c = job.shape.in_channels;
  const std::size_t m_xi_stride = std::size_t(g.part_rows) * std::size_t(nt_max);

  for (int c0 = 0; c0 < c; c0 += a.kc) {
    const int kc = std::min(a.kc, c - c0);
    const std::size_t v_xi_stride = std::size_t(kc) * std::size_t(nt_max);
    kernel.winograd.input({job.in.data, job.in.dims.plane(), job.in.dims.h, job.in.dims.w,
                           g.tiles_w, c0, kc, t0, nt, kernel.nr, v, v_xi_stride});
    GemmEpilogue epilogue;
    epilogue.start = c0 == 0 ? GemmEpilogue::Start::bias : GemmEpilogue::Start::accumulate;
    for (int xi = 0; xi < kPoints; ++xi) {
      const float* a_xi = job.packed + std::size_t(xi) * a_stride;
      const float* v_xi = v + std::size_t(xi) * v_xi_stride;
      float* m_xi = m + std::size_t(xi) * m_xi_stride;
      for (int jr = 0; jr < nt; jr += kernel.nr) {
        const float* b_panel = v_xi + std::size_t(jr) * std::size_t(kc);
        for (int ir = 0; ir < oc; ir += kernel.mr) {
          kernel.run(std::min(kernel.mr, oc - ir), std::min(kernel.nr, nt - jr), std::size_t(kc),
                     a_xi + a.panel_offset(c0, o0 + ir, kc), b_panel,
                     m_xi + std::size_t(ir) * std::size_t(nt_max) + std::size_t(jr),
                     std::size_t(nt_max), epilogue);
        }
      }
    }
  }
  kernel.winograd.output({m, m_xi_stride, std::size_t(nt_max), o0, oc, t0, nt, g.tiles_w,
                          job.out.data, job.epilogue.residual.data, job.out.dims.plane(),
                          job.out.dims.h, job.out.dims.w, job.bias, job.epilogue.relu});
}

}  // namespace

PackedALayout winograd_a_layout(const GemmKernelInfo& kernel, const ConvShape& shape) {
  return {shape.out_channels, shape.in_channels, kernel.mr, k_depth(kernel, shape.in_channels)};
}

std::size_t winograd_weight_floats(const GemmKernelInfo& kernel, const ConvShape& shape) {
  return std::size_t(kPoints) * winograd_a_layout(kernel, shape).floats();
}

void winograd_pack_weights(const GemmKernelInfo& kernel, const ConvShape& shape,
                           const float* weight_oihw, float* packed) {
  // Each transformed value goes straight to its place in matrix xi: no 4x-sized temporary
  // (freed at once, it would leave the heap fragmented by as much). Padding rows stay as the
  // caller zeroed them.
  const int o_count = shape.out_channels, c_count = shape.in_channels;
  const PackedALayout layout = winograd_a_layout(kernel, shape);
  for (int o = 0; o < o_count; ++o) {
    for (int c = 0; c < c_count; ++c) {
      const float* g = weight_oihw + (std::size_t(o) * std::size_t(c_count) + std::size_t(c)) * 9;
      const std::size_t at = layout.element_offset(o, c);
      double gt[6][3];  // G g
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 3; ++j)
          gt[i][j] = kG[i][0] * g[j] + kG[i][1] * g[3 + j] + kG[i][2] * g[6 + j];
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 6; ++j) {
          const double value = gt[i][0] * kG[j][0] + gt[i][1] * kG[j][1] + gt[i][2] * kG[j][2];
          packed[std::size_t(i * 6 + j) * layout.floats() + at] = float(value);
        }
    }
  }
}

std::size_t winograd_scratch_floats(const GemmKernelInfo& kernel, const ConvShape& shape,
                                    Dims out, int threads) {
  threads = std::max(threads, 1);
  const Geometry g = geometry(kernel, shape, out, threads);
  return std::size_t(threads) *
         (v_floats(kernel, shape) + m_floats(kernel, g) + 2 * kAlignmentSlack);
}

void winograd_conv(const GemmKernelInfo& kernel, const ConvShape& shape, const float* packed,
                   const float* bias, ConstView in, View out, const ConvEpilogue& epilogue,
                   int threads, std::span<float> scratch) {
  threads = std::max(threads, 1);
  if (scratch.size() < winograd_scratch_floats(kernel, shape, out.dims, threads))
    throw_internal("winograd_conv: scratch too small");
  const Job job{kernel, shape, packed, bias, in, out, epilogue,
                geometry(kernel, shape, out.dims, threads)};
  const std::size_t v_size = v_floats(kernel, shape) + kAlignmentSlack;
  const std::size_t per_thread = v_size + m_floats(kernel, job.g) + kAlignmentSlack;
  const int items = job.g.blocks * job.g.o_parts;
  auto slice = [&](int thread) { return scratch.data() + std::size_t(thread) * per_thread; };
  if (threads == 1) {
    for (int item = 0; item < items; ++item)
      run_item(job, item / job.g.o_parts, item % job.g.o_parts, aligned(slice(0)),
               aligned(slice(0) + v_size));
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    float* base = slice(omp_get_thread_num());
#pragma omp for schedule(dynamic, 1)
    for (int item = 0; item < items; ++item)
      run_item(job, item / job.g.o_parts, item % job.g.o_parts, aligned(base),
               aligned(base + v_size));
  }
}

}  // namespace ffnet::ops::gemm
