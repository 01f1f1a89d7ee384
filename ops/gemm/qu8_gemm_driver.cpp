// The qu8 GEMM driver: for each thread's region, columns in tiles of NC (packed), rows in blocks
// of MC, then the micro-panels, each over the whole depth.
#include "ops/gemm/qu8_gemm_driver.hpp"

#include <omp.h>

#include <algorithm>

#include "ffnet/core/error.hpp"
#include "ops/gemm/thread_split.hpp"

namespace ffnet::ops::gemm {
namespace {

// B tiles and A blocks of at most 384 KiB each, so that both stay in a 1 MiB L2 (Zen 4) beside
// the output rows the kernel writes.
constexpr std::size_t kTileBytes = 384 << 10;
// The thread split's cost of packing a B value, in multiply-adds (thread_split.hpp): the qu8
// pack moves 4 bytes in about the time the VNNI kernel does 16 multiply-adds.
constexpr double kPackCost = 4.0;

int tile_columns(const Qu8GemmKernelInfo& kernel, int n, int kpad) {
  const int fit = int(kTileBytes / std::size_t(kpad)) / kernel.nr * kernel.nr;
  return std::max(kernel.nr, std::min(fit, round_up(n, kernel.nr)));
}

int block_rows(const Qu8GemmKernelInfo& kernel, int kpad) {
  return std::max(kernel.mr, int(kTileBytes / std::size_t(kpad)) / kernel.mr * kernel.mr);
}

std::size_t tile_bytes(const Qu8GemmKernelInfo& kernel, int n, int kpad) {
  return std::size_t(tile_columns(kernel, n, kpad)) * std::size_t(kpad) + 64;  // + alignment slack
}

void gemm_region(const Qu8GemmKernelInfo& kernel, const Qu8Problem& p, Region r, std::uint8_t* b_tile) {
  if (r.m0 >= r.m1 || r.n0 >= r.n1) return;
  const int kpad = p.a.kpad(), mr = kernel.mr, nr = kernel.nr;
  const int nc_max = tile_columns(kernel, p.n, kpad), mc_max = block_rows(kernel, kpad);
  const Qu8Output& out = p.out;
  const std::size_t element = out.epilogue.float_output ? sizeof(float) : 1;
  for (int jc = r.n0; jc < r.n1; jc += nc_max) {
    const int nc = std::min(nc_max, r.n1 - jc);
    qu8_pack_b(p.b, jc, nc, kpad, nr, b_tile);
    for (int ic = r.m0; ic < r.m1; ic += mc_max) {
      const int mc = std::min(mc_max, r.m1 - ic);
      for (int jr = 0; jr < nc; jr += nr) {
        const std::uint8_t* b_panel = b_tile + std::size_t(jr) * std::size_t(kpad);
        const std::size_t col = std::size_t(jc + jr) - out.col0;
        for (int ir = ic; ir < ic + mc; ir += mr) {
          QuantEpilogue e = out.epilogue;
          e.correction += ir;
          e.scale += ir;
          e.bias += ir;
          if (e.residual) e.residual += std::size_t(ir) * e.ld_residual + col;
          void* c = static_cast<std::byte*>(out.c) + (std::size_t(ir) * out.ldc + col) * element;
          kernel.run(std::min(mr, p.m - ir), std::min(nr, nc - jr), std::size_t(kpad),
                     p.packed_a + p.a.panel_offset(ir), b_panel, c, out.ldc, e);
        }
      }
    }
  }
}

std::uint8_t* thread_tile(std::span<std::byte> scratch, std::size_t index, std::size_t bytes) {
  auto* base = reinterpret_cast<std::uint8_t*>(scratch.data()) + index * bytes;
  const auto address = reinterpret_cast<std::uintptr_t>(base);
  return base + (64 - address % 64) % 64;
}

}  // namespace

std::size_t qu8_gemm_scratch_bytes(const Qu8GemmKernelInfo& kernel, int n, int kpad, int threads) {
  return std::size_t(std::max(threads, 1)) * tile_bytes(kernel, n, kpad);
}

void qu8_gemm(const Qu8GemmKernelInfo& kernel, const Qu8Problem& p, int threads, std::span<std::byte> scratch) {
  if (p.m <= 0 || p.n <= 0 || p.a.k <= 0 || p.a.mr != kernel.mr) throw_internal("qu8_gemm: empty or mispacked problem");
  threads = std::max(threads, 1);
  const int kpad = p.a.kpad();
  if (scratch.size() < qu8_gemm_scratch_bytes(kernel, p.n, kpad, threads)) throw_internal("qu8_gemm: scratch too small");
  const std::size_t bytes = tile_bytes(kernel, p.n, kpad);
  if (threads == 1) {
    gemm_region(kernel, p, {0, p.m, p.n0, p.n0 + p.n}, thread_tile(scratch, 0, bytes));
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    const int team = omp_get_num_threads();
    const int thread = omp_get_thread_num();
    const ThreadGrid grid = choose_grid(kernel.mr, kernel.nr, p.m, p.n, team, kPackCost);
    gemm_region(kernel, p, thread_region(kernel.mr, kernel.nr, p.m, p.n0, p.n, grid, thread),
                thread_tile(scratch, std::size_t(thread), bytes));
  }
}

}  // namespace ffnet::ops::gemm
