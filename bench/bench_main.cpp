// The benches' main: Google Benchmark's, after saying when the numbers mean nothing (an
// emulated CPU, e.g. the aarch64 build under qemu-user in scripts/test_arm.sh).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "bench_peak.hpp"

int main(int argc, char** argv) {
  const std::string emulated = ffnet::bench::emulation_notice();
  if (!emulated.empty()) {
    std::fprintf(stderr, "NOTE: %s: these timings are NOT meaningful (they measure the emulator, not the CPU)\n",
                 emulated.c_str());
    benchmark::AddCustomContext("emulated", emulated + " (timings not meaningful)");
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
