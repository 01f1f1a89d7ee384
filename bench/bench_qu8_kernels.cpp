// The qu8 microkernels without the conv around them, and the peaks they are measured against.
//   peak/fp32_fma, peak/int8_dot   one core's measured peaks (bench_peak.hpp), as counters
//   qu8_microkernel/<kernel>/<k>   one MR x K A micro-panel against one K x NR B micro-panel,
//                                  hot in L1/L2, u8 epilogue: GOP/s = 2 * MR * NR * K per run
//   qu8_macro_kernel/<kernel>      a block of 192 rows against 512 columns, K = 576 (a 3x3 layer
//                                  of 64 channels), panels streamed from L2 as in the driver
// vnni_peak% is the share of one core's int8 dot-product peak.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench_peak.hpp"
#include "ffnet/core/aligned_buffer.hpp"
#include "ops/gemm/kernel_table.hpp"

namespace {

using namespace ffnet;
using ops::gemm::Qu8GemmKernelInfo;

void peaks(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(bench::fma_peak_flops());
  state.counters["fp32_fma_GFLOPs"] = bench::fma_peak_flops() * 1e-9;
  state.counters["int8_dot_GOPs"] = bench::int8_dot_peak_ops() * 1e-9;
}

void qu8_loops(benchmark::State& state, const Qu8GemmKernelInfo* kernel, int mc, int nc, int k) {
  if (!ops::gemm::runnable(*kernel)) return state.SkipWithError("ISA not supported");
  AlignedArray<std::int8_t> a(std::size_t(k) * mc);
  AlignedArray<std::uint8_t> b(std::size_t(k) * nc), c(std::size_t(mc) * nc);
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = std::int8_t(int(i % 7) - 3);
  for (std::size_t i = 0; i < b.size(); ++i) b.data()[i] = std::uint8_t(i % 251);
  std::vector<std::int32_t> correction(std::size_t(mc), 100);
  std::vector<float> scale(std::size_t(mc), 1e-4f), bias(std::size_t(mc), 0.5f);
  ops::gemm::QuantEpilogue e{.correction = correction.data(), .scale = scale.data(), .bias = bias.data(),
                             .relu = true, .out_inverse_scale = 10.0f};
  for (auto _ : state) {
    for (int jr = 0; jr < nc; jr += kernel->nr)
      for (int ir = 0; ir < mc; ir += kernel->mr) {
        ops::gemm::QuantEpilogue row = e;
        row.correction += ir;
        row.scale += ir;
        row.bias += ir;
        kernel->run(kernel->mr, kernel->nr, std::size_t(k), a.data() + std::size_t(ir) * k, b.data() + std::size_t(jr) * k,
                    c.data() + std::size_t(ir) * nc + jr, std::size_t(nc), row);
      }
    benchmark::ClobberMemory();
  }
  const double ops = 2.0 * mc * nc * k;
  state.counters["GOPS"] = benchmark::Counter(ops, benchmark::Counter::kIsIterationInvariantRate);
  bench::set_int8_peak_share(state, ops, 1);
}

const bool registered = [] {
  benchmark::RegisterBenchmark("peak/measured", peaks)->Iterations(1);
  for (const Qu8GemmKernelInfo& kernel : ops::gemm::qu8_gemm_kernels()) {
    const std::string name(kernel.name);
    for (int k : {576, 2304})
      benchmark::RegisterBenchmark(("qu8_microkernel/" + name + "/" + std::to_string(k)).c_str(), qu8_loops, &kernel,
                                   kernel.mr, kernel.nr, k);
    const int mc = 192 / kernel.mr * kernel.mr, nc = 512 / kernel.nr * kernel.nr;
    benchmark::RegisterBenchmark(("qu8_macro_kernel/" + name).c_str(), qu8_loops, &kernel, mc, nc, 576);
  }
  return true;
}();

}  // namespace
