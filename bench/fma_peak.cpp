// One core's fp32 FMA peak, measured: independent vector FMA chains (enough to cover the FMA
// latency on every pipe), widest vectors of this machine. Compiled with -march=native.
#include "bench_peak.hpp"

#include <algorithm>
#include <chrono>

namespace ffnet::bench {
namespace {

#if defined(__AVX512F__)
constexpr int kLanes = 16;
#elif defined(__AVX__)
constexpr int kLanes = 8;
#else
constexpr int kLanes = 4;
#endif
typedef float Vec __attribute__((vector_size(kLanes * sizeof(float))));

constexpr int kChains = 16;

double run_chains(long iterations) {
  volatile float seed = 0.999999f;
  Vec acc[kChains], mul, add;
  for (int i = 0; i < kLanes; ++i) {
    mul[i] = seed;
    add[i] = seed * 1e-6f;
  }
#pragma GCC unroll 16
  for (int c = 0; c < kChains; ++c) acc[c] = mul * float(c);
  for (long it = 0; it < iterations; ++it) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) {
      acc[c] = acc[c] * mul + add;
      asm volatile("" : "+v"(acc[c]));  // one FMA per chain per iteration, kept in a register
    }
  }
  float sum = 0;
#pragma GCC unroll 16
  for (int c = 0; c < kChains; ++c) sum += acc[c][0];
  return double(sum);
}

}  // namespace

double fma_peak_flops() {
  static const double peak = [] {
    constexpr long kIterations = 2'000'000;
    double best = 0;
    for (int trial = 0; trial < 5; ++trial) {
      const auto start = std::chrono::steady_clock::now();
      volatile double sink = run_chains(kIterations);
      (void)sink;
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      best = std::max(best, 2.0 * kLanes * kChains * double(kIterations) / seconds);
    }
    return best;
  }();
  return peak;
}

}  // namespace ffnet::bench
