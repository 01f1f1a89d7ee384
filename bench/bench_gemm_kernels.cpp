// Each microkernel alone: one packed A micro-panel and one B micro-panel of depth KC, hot in
// L1/L2, a full MR x NR tile. GFLOP/s = 2 * MR * NR * KC per call.
#include <benchmark/benchmark.h>

#include <string>

#include "ffnet/aligned_buffer.hpp"
#include "ops/gemm/kernel_table.hpp"

namespace {

using namespace ffnet;
using ops::gemm::GemmEpilogue;
using ops::gemm::GemmKernelInfo;

void microkernel(benchmark::State& state, const GemmKernelInfo* kernel) {
  if (!ops::isa_supported(kernel->isa)) {
    state.SkipWithError("ISA not supported by this CPU");
    return;
  }
  const int kc = int(state.range(0));
  AlignedBuffer a(std::size_t(kc) * kernel->mr), b(std::size_t(kc) * kernel->nr);
  AlignedBuffer c(std::size_t(kernel->mr) * kernel->nr);
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = float(i % 7) * 0.25f;
  for (std::size_t i = 0; i < b.size(); ++i) b.data()[i] = float(i % 5) * 0.5f;
  GemmEpilogue epilogue;
  epilogue.start = GemmEpilogue::Start::accumulate;
  epilogue.last_k_block = false;
  for (auto _ : state) {
    kernel->run(kernel->mr, kernel->nr, std::size_t(kc), a.data(), b.data(), c.data(),
                std::size_t(kernel->nr), epilogue);
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * kernel->mr * kernel->nr * kc;
  state.counters["FLOPS"] =
      benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
}

// The two inner loops of the driver around the kernel: an MC x KC block of packed A against a
// KC x NC tile of packed B into C (MC x NC), everything in L2 as in a real GEMM; shows what
// the kernel keeps of its L1 speed when it streams panels from L2.
void macro_kernel(benchmark::State& state, const GemmKernelInfo* kernel) {
  if (!ops::isa_supported(kernel->isa)) {
    state.SkipWithError("ISA not supported by this CPU");
    return;
  }
  const auto [mc, kc, nc] = kernel->blocking;
  AlignedBuffer a(std::size_t(kc) * mc), b(std::size_t(kc) * nc), c(std::size_t(mc) * nc);
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
  state.counters["FLOPS"] = benchmark::Counter(2.0 * mc * nc * kc,
                                               benchmark::Counter::kIsIterationInvariantRate);
}

const bool registered = [] {
  for (const GemmKernelInfo& kernel : ops::gemm::gemm_kernels()) {
    benchmark::RegisterBenchmark(("microkernel/" + std::string(kernel.name)).c_str(), microkernel,
                                 &kernel)
        ->Arg(kernel.blocking.kc)
        ->Arg(512);
    benchmark::RegisterBenchmark(("macro_kernel/" + std::string(kernel.name)).c_str(),
                                 macro_kernel, &kernel);
  }
  return true;
}();

}  // namespace
