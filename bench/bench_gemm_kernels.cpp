// The microkernels without the conv around them. GFLOP/s = 2 * M * N * K per run; peak% is
// the share of one core's measured FMA peak (bench_peak.hpp).
//   microkernel/<kernel>/<kc>  one MR x KC A micro-panel and one KC x NR B micro-panel, hot in
//                              L1/L2: the kernel's peak.
//   macro_kernel/<kernel>      the driver's two inner loops: an MC x KC block of packed A
//                              against a KC x NC tile of packed B (the table's block sizes),
//                              panels streamed from L2 as in a real GEMM.
#include <benchmark/benchmark.h>

#include <string>

#include "bench_peak.hpp"
#include "ffnet/core/aligned_buffer.hpp"
#include "ops/gemm/kernel_table.hpp"

namespace {

using namespace ffnet;
using ops::gemm::GemmBlocking;
using ops::gemm::GemmEpilogue;
using ops::gemm::GemmKernelInfo;

void kernel_loops(benchmark::State& state, const GemmKernelInfo* kernel, GemmBlocking blocks) {
  if (!ops::gemm::runnable(*kernel)) return state.SkipWithError("ISA not supported");
  const auto [mc, kc, nc] = blocks;
  AlignedArray<float> a(std::size_t(kc) * mc), b(std::size_t(kc) * nc), c(std::size_t(mc) * nc);
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = float(i % 7) * 0.25f;
  for (std::size_t i = 0; i < b.size(); ++i) b.data()[i] = float(i % 5) * 0.5f;
  GemmEpilogue epilogue;
  epilogue.start = GemmEpilogue::Start::accumulate;
  epilogue.last_k_block = false;
  for (auto _ : state) {
    for (int jr = 0; jr < nc; jr += kernel->nr)
      for (int ir = 0; ir < mc; ir += kernel->mr)
        kernel->run(kernel->mr, kernel->nr, std::size_t(kc), a.data() + std::size_t(ir) * kc,
                    b.data() + std::size_t(jr) * kc, c.data() + std::size_t(ir) * nc + jr,
                    std::size_t(nc), epilogue);
    benchmark::ClobberMemory();
  }
  bench::set_flops(state, 2.0 * mc * nc * kc, 1, bench::fma_peak_of(kernel->required));
}

const bool registered = [] {
  for (const GemmKernelInfo& kernel : ops::gemm::gemm_kernels()) {
    const std::string name(kernel.name);
    for (int kc : {kernel.blocking.kc, 512})
      benchmark::RegisterBenchmark(("microkernel/" + name + "/" + std::to_string(kc)).c_str(),
                                   kernel_loops, &kernel,
                                   GemmBlocking{kernel.mr, kc, kernel.nr});
    benchmark::RegisterBenchmark(("macro_kernel/" + name).c_str(), kernel_loops, &kernel,
                                 kernel.blocking);
  }
  return true;
}();

}  // namespace
