// The Winograd F(4x4, 3x3) driver: weight transform at load, and the blocked, threaded run.
#include "ops/gemm/winograd.hpp"

#include <omp.h>

#include <algorithm>
#include <cstdint>

#include "ffnet/core/error.hpp"
#include "ops/gemm/block_math.hpp"

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

// The tiles of output rows [rows.first, rows.last): whole tile rows, numbered over the map.
struct Geometry {
  int tiles_w;
  int first_tile, tiles;
  int blocks;          // of kernel.winograd.tiles tiles
  bool shared_blocks;  // all threads work on one block at a time (few blocks)
};

// Blocks per thread below which threads share each block instead of taking whole blocks: with
// 2 to 7 blocks per thread, whole blocks leave threads idle at the end of the layer (measured
// on FFNet's 32x64 maps, 2 blocks: 1.6x from 2 threads whole, 1.9x shared).
constexpr int kSharedBelowBlocksPerThread = 4;

Geometry geometry(const GemmKernelInfo& kernel, int width, RowRange rows, int threads) {
  Geometry g;
  g.tiles_w = ceil_div(width, 4);
  g.first_tile = rows.first / 4 * g.tiles_w;
  g.tiles = (ceil_div(rows.last, 4) - rows.first / 4) * g.tiles_w;
  g.blocks = ceil_div(g.tiles, kernel.winograd.tiles);
  g.shared_blocks = threads > 1 && g.blocks < kSharedBelowBlocksPerThread * threads;
  return g;
}

std::size_t v_floats(const GemmKernelInfo& kernel, const ConvShape& shape) {
  return std::size_t(kPoints) * std::size_t(even_block_depth(shape.in_channels, kernel.winograd.kc)) *
         std::size_t(kernel.winograd.tiles);
}

std::size_t m_floats(const GemmKernelInfo& kernel, const ConvShape& shape) {
  return std::size_t(kPoints) * std::size_t(shape.out_channels) *
         std::size_t(kernel.winograd.tiles);
}

// Part `part` of [0, count) split into `parts` near-equal parts.
RowRange part_of(int count, int part, int parts) {
  return {int(std::int64_t(count) * part / parts), int(std::int64_t(count) * (part + 1) / parts)};
}

// One layer's work on one block of tiles, in the steps threads may split: the input
// transform by channels, the 36 products by transform point, the output transform by output
// channels. Per K block of kc channels: V (36 x kc x tiles) in packed B micro-panels, then
// M[xi] (+)= U[xi] V[xi] with M laid out out_channels x tiles per point.
class BlockWork {
 public:
  BlockWork(const GemmKernelInfo& kernel, const ConvShape& shape, const float* packed,
            const float* bias, ConstBand in, Band out, RowRange rows,
            const ConvEpilogue& epilogue, const Geometry& g, int block)
      : kernel_(kernel), shape_(shape), packed_(packed), bias_(bias), in_(in), out_(out),
        rows_(rows), epilogue_(epilogue), g_(g), a_(winograd_a_layout(kernel, shape)),
        t0_(g.first_tile + block * kernel.winograd.tiles),
        nt_(std::min(kernel.winograd.tiles, g.first_tile + g.tiles - t0_)) {}

  int k_blocks() const { return ceil_div(shape_.in_channels, a_.kc); }

  // Channels [c0 + part.first, c0 + part.last) of K block `k_block` into v.
  void transform_input(int k_block, RowRange part, float* v) const {
    const int c0 = k_block * a_.kc, kc = std::min(a_.kc, shape_.in_channels - c0);
    part.last = std::min(part.last, kc);
    if (part.first >= part.last) return;
    kernel_.winograd.input({.image = in_.view.data,
                            .plane = in_.view.dims.plane(),
                            .row0 = in_.row0,
                            .height = in_.height,
                            .width = in_.view.dims.w,
                            .tiles_w = g_.tiles_w,
                            .c0 = c0 + part.first,
                            .kc = part.last - part.first,
                            .depth = kc,
                            .t0 = t0_,
                            .nt = nt_,
                            .nr = kernel_.nr,
                            .dst = v + std::size_t(part.first) * std::size_t(kernel_.nr),
                            .xi_stride = v_xi_stride(kc)});
  }

  // M[xi] for points [points.first, points.last) of K block `k_block`.
  void multiply(int k_block, RowRange points, const float* v, float* m) const {
    const int c0 = k_block * a_.kc, kc = std::min(a_.kc, shape_.in_channels - c0);
    const int oc = shape_.out_channels, ld = kernel_.winograd.tiles;
    GemmEpilogue epilogue;
    epilogue.start = c0 == 0 ? GemmEpilogue::Start::bias : GemmEpilogue::Start::accumulate;
    for (int xi = points.first; xi < points.last; ++xi) {
      const float* a_xi = packed_ + std::size_t(xi) * a_.floats();
      const float* v_xi = v + std::size_t(xi) * v_xi_stride(kc);
      float* m_xi = m + std::size_t(xi) * m_xi_stride();
      for (int jr = 0; jr < nt_; jr += kernel_.nr) {
        const float* b_panel = v_xi + std::size_t(jr) * std::size_t(kc);
        for (int ir = 0; ir < oc; ir += kernel_.mr)
          kernel_.run(std::min(kernel_.mr, oc - ir), std::min(kernel_.nr, nt_ - jr),
                      std::size_t(kc), a_xi + a_.panel_offset(c0, ir, kc), b_panel,
                      m_xi + std::size_t(ir) * std::size_t(ld) + std::size_t(jr),
                      std::size_t(ld), epilogue);
      }
    }
  }

  // Output channels [channels.first, channels.last) from m, with the epilogue.
  void transform_output(RowRange channels, const float* m) const {
    if (channels.first >= channels.last) return;
    kernel_.winograd.output({.m = m + std::size_t(channels.first) * std::size_t(kernel_.winograd.tiles),
                             .xi_stride = m_xi_stride(),
                             .ld = std::size_t(kernel_.winograd.tiles),
                             .o0 = channels.first,
                             .oc = channels.last - channels.first,
                             .t0 = t0_,
                             .nt = nt_,
                             .tiles_w = g_.tiles_w,
                             .out = out_.view.data,
                             .residual = epilogue_.residual.data,
                             .plane = out_.view.dims.plane(),
                             .row0 = out_.row0,
                             .row_end = rows_.last,
                             .width = out_.view.dims.w,
                             .bias = bias_,
                             .relu = epilogue_.relu});
  }

  // The whole block on the calling thread.
  void run(float* v, float* m) const {
    for (int k_block = 0; k_block < k_blocks(); ++k_block) {
      transform_input(k_block, {0, a_.kc}, v);
      multiply(k_block, {0, kPoints}, v, m);
    }
    transform_output({0, shape_.out_channels}, m);
  }

  // The block split between the threads of the enclosing parallel region (every thread calls
  // this; each step ends at the implicit barrier of its omp for).
  void run_shared(int threads, float* v, float* m) const {
    for (int k_block = 0; k_block < k_blocks(); ++k_block) {
#pragma omp for schedule(static)
      for (int part = 0; part < threads; ++part)
        transform_input(k_block, part_of(a_.kc, part, threads), v);
#pragma omp for schedule(static)
      for (int part = 0; part < threads; ++part)
        multiply(k_block, part_of(kPoints, part, threads), v, m);
    }
#pragma omp for schedule(static)
    for (int part = 0; part < threads; ++part)
      transform_output(part_of(shape_.out_channels, part, threads), m);
  }

 private:
  std::size_t v_xi_stride(int kc) const {
    return std::size_t(kc) * std::size_t(kernel_.winograd.tiles);
  }
  std::size_t m_xi_stride() const {
    return std::size_t(shape_.out_channels) * std::size_t(kernel_.winograd.tiles);
  }

  const GemmKernelInfo& kernel_;
  const ConvShape& shape_;
  const float* packed_;
  const float* bias_;
  ConstBand in_;
  Band out_;
  RowRange rows_;
  const ConvEpilogue& epilogue_;
  const Geometry& g_;
  PackedALayout a_;
  int t0_, nt_;
};

}  // namespace

PackedALayout winograd_a_layout(const GemmKernelInfo& kernel, const ConvShape& shape) {
  return {shape.out_channels, shape.in_channels, kernel.mr, even_block_depth(shape.in_channels, kernel.winograd.kc)};
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

// V and M take the same room with kernel_for_columns' choice: same tiles per block and K
// blocking.
std::size_t winograd_scratch_floats(const GemmKernelInfo& kernel, const ConvShape& shape,
                                    Dims out, int threads) {
  threads = std::max(threads, 1);
  const int copies = geometry(kernel, out.w, {0, out.h}, threads).shared_blocks ? 1 : threads;
  return std::size_t(copies) *
         (v_floats(kernel, shape) + m_floats(kernel, shape) + 2 * kAlignmentSlack);
}

void winograd_conv(const GemmKernelInfo& table_kernel, const Isa& isa, const ConvShape& shape,
                   const float* packed, const float* bias, ConstBand in, Band out, RowRange rows,
                   const ConvEpilogue& epilogue, int threads, std::span<float> scratch) {
  threads = std::max(threads, 1);
  const Geometry g = geometry(table_kernel, out.view.dims.w, rows, threads);
  const GemmKernelInfo& kernel = kernel_for_columns(table_kernel, g.tiles, isa);
  const int copies = g.shared_blocks ? 1 : threads;
  const std::size_t v_size = v_floats(kernel, shape) + kAlignmentSlack;
  const std::size_t per_copy = v_size + m_floats(kernel, shape) + kAlignmentSlack;
  if (scratch.size() < std::size_t(copies) * per_copy)
    throw_internal("winograd_conv: scratch too small");
  auto block = [&](int b) {
    return BlockWork(kernel, shape, packed, bias, in, out, rows, epilogue, g, b);
  };
  auto v_of = [&](int copy) { return align64(scratch.data() + std::size_t(copy) * per_copy); };
  auto m_of = [&](int copy) { return align64(scratch.data() + std::size_t(copy) * per_copy + v_size); };
  if (threads == 1) {
    for (int b = 0; b < g.blocks; ++b) block(b).run(v_of(0), m_of(0));
    return;
  }
  if (g.shared_blocks) {
#pragma omp parallel num_threads(threads)
    for (int b = 0; b < g.blocks; ++b) block(b).run_shared(omp_get_num_threads(), v_of(0), m_of(0));
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    const int thread = omp_get_thread_num();
#pragma omp for schedule(dynamic, 1)
    for (int b = 0; b < g.blocks; ++b) block(b).run(v_of(thread), m_of(thread));
  }
}

}  // namespace ffnet::ops::gemm
