#pragma once
// The FLOP rate a benchmark reaches and its share of the FMA peak, as counters.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>

#include "ops/cpu_features.hpp"

namespace ffnet::bench {

// fp32 FLOP/s of one core running only FMAs (2 FLOP each) on its widest vectors, measured once
// per process; fma256_peak_flops on 256-bit vectors (0 without AVX).
double fma_peak_flops();
double fma256_peak_flops();

// The FMA peak of the vectors code for `required` runs on: 256-bit for the AVX2 families (what CPUs
// without AVX-512 can reach), the widest otherwise.
inline double fma_peak_of(ops::CpuFeatures required) {
  const bool avx2_only = required.has(ops::CpuFeature::avx2) && !required.has(ops::CpuFeature::avx512f);
  return avx2_only && fma256_peak_flops() > 0 ? fma256_peak_flops() : fma_peak_flops();
}

// int8 op/s of one core running only its int8 dot products (x86: VNNI vpdpbusd; AArch64: sdot
// where the CPU has the dot-product extension), 2 ops per 8-bit multiply-add; 0 where it has none.
double int8_dot_peak_ops();

// Why this process's timings mean nothing, or "" if they do: an emulated CPU (FFNET_BENCH_EMULATED
// set, or an aarch64 process seeing the x86 host's /proc/cpuinfo, as under qemu-user).
std::string emulation_notice();

// Counter "int8_peak%": percent of `threads` cores' int8 dot-product peak reached by `ops`.
inline void set_int8_peak_share(benchmark::State& state, double ops, int threads) {
  const double peak = int8_dot_peak_ops();
  if (peak > 0)
    state.counters["int8_peak%"] = benchmark::Counter(100.0 * ops / (peak * std::max(threads, 1)),
                                                      benchmark::Counter::kIsIterationInvariantRate);
}

// Counter "peak%": percent of `threads` cores' FMA peak reached by `flops` per iteration: the
// peak of the vectors the code runs on (`peak`, default the widest).
// Google Benchmark prints rate counters with "/s"; read "peak%=91.3/s" as 91.3 %.
inline void set_peak_share(benchmark::State& state, double flops, int threads, double peak = fma_peak_flops()) {
  state.counters["peak%"] = benchmark::Counter(100.0 * flops / (peak * std::max(threads, 1)),
                                               benchmark::Counter::kIsIterationInvariantRate);
}

// Counters "FLOPS" (per second) and "peak%" for `flops` per iteration on `threads` cores.
inline void set_flops(benchmark::State& state, double flops, int threads, double peak = fma_peak_flops()) {
  state.counters["FLOPS"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  set_peak_share(state, flops, threads, peak);
}

}  // namespace ffnet::bench
