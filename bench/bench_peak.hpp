#pragma once
// The FLOP rate a benchmark reaches and its share of the FMA peak, as counters.
#include <benchmark/benchmark.h>

#include <algorithm>

namespace ffnet::bench {

// fp32 FLOP/s of one core running only FMAs (2 FLOP each), measured once per process.
double fma_peak_flops();

// Counter "peak%": percent of `threads` cores' FMA peak reached by `flops` per iteration.
// Google Benchmark prints rate counters with "/s"; read "peak%=91.3/s" as 91.3 %.
inline void set_peak_share(benchmark::State& state, double flops, int threads) {
  state.counters["peak%"] = benchmark::Counter(100.0 * flops / (fma_peak_flops() * std::max(threads, 1)),
                                               benchmark::Counter::kIsIterationInvariantRate);
}

// Counters "FLOPS" (per second) and "peak%" for `flops` per iteration on `threads` cores.
inline void set_flops(benchmark::State& state, double flops, int threads) {
  state.counters["FLOPS"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  set_peak_share(state, flops, threads);
}

}  // namespace ffnet::bench
