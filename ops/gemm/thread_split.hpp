#pragma once
// How the GEMM drivers (f32 and qu8) split C between threads. Internal linkage, like
// block_math.hpp.
#include <algorithm>
#include <cstdint>
#include <utility>

namespace ffnet::ops::gemm {
namespace {

// The rows and columns of C one thread computes: rows a multiple of MR, columns of NR.
struct Region {
  int m0, m1;
  int n0, n1;
};

struct ThreadGrid {
  int m_parts = 1;
  int n_parts = 1;
};

// Splits C into m_parts x n_parts regions, one per thread, minimising the busiest thread's
// work. Splitting N costs nothing extra; splitting M makes every thread pack the same B
// columns, counted as `pack_cost` multiply-adds per packed value.
inline ThreadGrid choose_grid(int mr, int nr, int m, int n, int threads, double pack_cost) {
  const int m_panels = (m + mr - 1) / mr;
  const int n_panels = (n + nr - 1) / nr;
  ThreadGrid best;
  double best_cost = -1;
  for (int m_parts = 1; m_parts <= threads; ++m_parts) {
    if (threads % m_parts != 0) continue;
    const int n_parts = threads / m_parts;
    const double rows = double((m_panels + m_parts - 1) / m_parts) * mr;
    const double cols = double((n_panels + n_parts - 1) / n_parts) * nr;
    const double cost = cols * (rows + pack_cost);
    if (best_cost < 0 || cost < best_cost) {
      best_cost = cost;
      best = {m_parts, n_parts};
    }
  }
  return best;
}

// Part `index` of `parts` near-equal runs of `count` units of `unit` elements, clamped to total.
inline std::pair<int, int> split_range(int total, int unit, int parts, int index) {
  const int units = (total + unit - 1) / unit;
  const int begin = int(std::int64_t(units) * index / parts) * unit;
  const int end = int(std::int64_t(units) * (index + 1) / parts) * unit;
  return {std::min(begin, total), std::min(end, total)};
}

// The region of C thread `thread` computes for a problem of m rows and columns [n0, n0 + n).
inline Region thread_region(int mr, int nr, int m, int n0, int n, ThreadGrid grid, int thread) {
  const auto [m_begin, m_end] = split_range(m, mr, grid.m_parts, thread / grid.n_parts);
  const auto [n_begin, n_end] = split_range(n, nr, grid.n_parts, thread % grid.n_parts);
  return {m_begin, m_end, n0 + n_begin, n0 + n_end};
}

}  // namespace
}  // namespace ffnet::ops::gemm
