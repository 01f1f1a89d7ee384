// The GEMM driver: five loops around the microkernel (BLIS order), and the thread split.
#include "ops/gemm/gemm_driver.hpp"

#include <omp.h>

#include <algorithm>
#include <cstdint>

#include "ffnet/core/error.hpp"
#include "ops/gemm/block_math.hpp"
#include "ops/gemm/thread_split.hpp"

namespace ffnet::ops::gemm {
namespace {

// The thread split's cost of packing (thread_split.hpp), in multiply-adds per packed value:
// measured on one Zen 4 core, bench_gemm's pack_b/ packs FFNet's 3x3 layers at 7.6-8.3 G
// floats/s (the 7x7 stride-2 stem 3.8) while the 6x64 microkernel does 56-58 G multiply-adds/s:
// 7 to 8 per packed float.
constexpr double kPackCost = 8.0;

Region thread_region(const GemmKernelInfo& kernel, const GemmProblem& p, ThreadGrid grid, int thread) {
  return thread_region(kernel.mr, kernel.nr, p.m, p.n0, p.n, grid, thread);
}

std::size_t b_tile_floats(const GemmKernelInfo& kernel, int n, int k) {
  const int nc = std::min(kernel.blocking.nc, round_up(n, kernel.nr));
  return std::size_t(even_block_depth(k, kernel.blocking.kc)) * std::size_t(nc);
}

// Thread `index`'s B tile buffer in the scratch.
float* aligned_slice(std::span<float> scratch, std::size_t index, std::size_t floats) {
  return align64(scratch.data() + index * (floats + kAlignmentSlack));
}

void gemm_region(const GemmKernelInfo& kernel, const GemmProblem& p, Region r, float* b_tile) {
  if (r.m0 >= r.m1 || r.n0 >= r.n1) return;
  const int mc_max = kernel.blocking.mc;
  const int nc_max = kernel.blocking.nc;
  const int mr = kernel.mr;
  const int nr = kernel.nr;
  const PackedALayout a_layout = packed_a_layout(kernel, p.m, p.k);
  const int kc_max = a_layout.kc;
  const GemmOutput& out = p.out;
  for (int jc = r.n0; jc < r.n1; jc += nc_max) {
    const int nc = std::min(nc_max, r.n1 - jc);
    for (int pc = 0; pc < p.k; pc += kc_max) {
      const int kc = std::min(kc_max, p.k - pc);
      std::visit([&](const auto& source) { pack_b(source, {pc, kc, jc, nc}, kernel, b_tile); }, p.b);
      GemmEpilogue epilogue;
      epilogue.start = pc == 0 ? GemmEpilogue::Start::bias : GemmEpilogue::Start::accumulate;
      epilogue.last_k_block = pc + kc == p.k;
      epilogue.ld_residual = out.ld_residual;
      epilogue.relu = out.relu;
      for (int ic = r.m0; ic < r.m1; ic += mc_max) {
        const int mc = std::min(mc_max, r.m1 - ic);
        for (int jr = 0; jr < nc; jr += nr) {
          const float* b_panel = b_tile + std::size_t(jr) * std::size_t(kc);
          for (int ir = ic; ir < ic + mc; ir += mr) {
            const std::size_t col = std::size_t(jc + jr) - out.col0;
            epilogue.bias = out.bias ? out.bias + ir : nullptr;
            epilogue.residual = out.residual ? out.residual + ir * out.ld_residual + col : nullptr;
            kernel.run(std::min(mr, p.m - ir), std::min(nr, nc - jr), std::size_t(kc),
                       p.packed_a + a_layout.panel_offset(pc, ir, kc), b_panel,
                       out.c + ir * out.ldc + col, out.ldc, epilogue);
          }
        }
      }
    }
  }
}

}  // namespace

PackedALayout packed_a_layout(const GemmKernelInfo& kernel, int m, int k) {
  return {m, k, kernel.mr, even_block_depth(k, kernel.blocking.kc)};
}

std::size_t gemm_scratch_floats(const GemmKernelInfo& kernel, int n, int k, int threads) {
  return std::size_t(std::max(threads, 1)) * (b_tile_floats(kernel, n, k) + kAlignmentSlack);
}

void gemm(const GemmKernelInfo& kernel, const GemmProblem& p, int threads,
          std::span<float> scratch) {
  if (p.m <= 0 || p.n <= 0 || p.k <= 0) throw_internal("gemm: empty problem");
  threads = std::max(threads, 1);
  if (scratch.size() < gemm_scratch_floats(kernel, p.n, p.k, threads))
    throw_internal("gemm: scratch too small");
  const std::size_t tile_floats = b_tile_floats(kernel, p.n, p.k);
  if (threads == 1) {
    gemm_region(kernel, p, {0, p.m, p.n0, p.n0 + p.n}, aligned_slice(scratch, 0, tile_floats));
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    // The team may be smaller than asked for; the split follows the real team size.
    const int team = omp_get_num_threads();
    const int thread = omp_get_thread_num();
    const ThreadGrid grid = choose_grid(kernel.mr, kernel.nr, p.m, p.n, team, kPackCost);
    gemm_region(kernel, p, thread_region(kernel, p, grid, thread),
                aligned_slice(scratch, std::size_t(thread), tile_floats));
  }
}

}  // namespace ffnet::ops::gemm
