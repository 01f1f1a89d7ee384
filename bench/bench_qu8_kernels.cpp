// The qu8 indirect microkernels and driver without the op around them, and the peaks they are
// measured against.
//   peak/measured                       one core's measured peaks (bench_peak.hpp), as counters
//   qu8_microkernel/<kernel>/<C>x<taps> one tile (MR pixels x NR channels) over taps x C inputs,
//                                       pixels and weights hot in L1/L2, u8 epilogue:
//                                       GOP/s = 2 * MR * NR * C * taps per run
//   qu8_igemm/<kernel>/<C>              the driver on one thread: a 3x3 convolution of C -> C
//                                       channels over a 64 x 128 channels-last map
// int8_peak% is the share of one core's int8 dot-product peak.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench_peak.hpp"
#include "ffnet/core/aligned_buffer.hpp"
#include "ops/gemm/kernel_table.hpp"
#include "ops/gemm/qu8_igemm_driver.hpp"

namespace {

using namespace ffnet;
using ops::gemm::Qu8IgemmKernelInfo;

void peaks(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(bench::fma_peak_flops());
  state.counters["fp32_fma_GFLOPs"] = bench::fma_peak_flops() * 1e-9;
  state.counters["fp32_fma256_GFLOPs"] = bench::fma256_peak_flops() * 1e-9;
  state.counters["int8_dot_GOPs"] = bench::int8_dot_peak_ops() * 1e-9;
}

struct Epilogue {  // per-channel constants for `channels` channels, u8 output with ReLU
  std::vector<std::int32_t> correction, weight_sum;
  std::vector<float> scale, bias;
  explicit Epilogue(int channels)
      : correction(std::size_t(channels), 100), weight_sum(std::size_t(channels), 0), scale(std::size_t(channels), 1e-4f),
        bias(std::size_t(channels), 0.5f) {}
  ops::gemm::QuantEpilogue get() const {
    return {.correction = correction.data(), .weight_sum = weight_sum.data(), .scale = scale.data(),
            .bias = bias.data(), .relu = true, .out_inverse_scale = 10.0f};
  }
};

void fill(AlignedArray<std::uint8_t>& a) {
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = std::uint8_t(i % 251);
}

void microkernel(benchmark::State& state, const Qu8IgemmKernelInfo* kernel, int channels, int taps) {
  if (!ops::gemm::runnable(*kernel)) return state.SkipWithError("ISA not supported");
  const int mr = kernel->mr, nr = kernel->nr;
  AlignedArray<std::uint8_t> pixels(std::size_t(mr) * std::size_t(taps) * std::size_t(channels) + 64), c(64 * 64);
  fill(pixels);
  std::vector<const std::uint8_t*> a;
  for (int t = 0; t < taps; ++t)
    for (int i = 0; i < mr; ++i) a.push_back(pixels.data() + std::size_t(t * mr + i) * std::size_t(channels));
  AlignedArray<std::int8_t> w(std::size_t(nr) * std::size_t(channels) * std::size_t(taps));
  for (std::size_t i = 0; i < w.size(); ++i) w.data()[i] = std::int8_t(int(i % 7) - 3);
  const Epilogue e(nr);
  const ops::gemm::QuantEpilogue epilogue = e.get();
  for (auto _ : state) {
    kernel->run(mr, nr, channels, taps, a.data(), w.data(), c.data(), 64, epilogue);
    benchmark::ClobberMemory();
  }
  const double ops = 2.0 * mr * nr * channels * taps;
  state.counters["GOPS"] = benchmark::Counter(ops, benchmark::Counter::kIsIterationInvariantRate);
  bench::set_int8_peak_share(state, ops, 1);
}

// The driver on `problem`, one core: `op_count` operations per run, as GOPS and as the share of
// the VNNI peak.
void time_igemm(benchmark::State& state, const Qu8IgemmKernelInfo& kernel, const ops::gemm::Qu8IgemmProblem& problem,
                int in_channels, int taps, double op_count) {
  AlignedArray<std::byte> scratch(ops::gemm::qu8_igemm_scratch_bytes(kernel, in_channels, taps, false, 1));
  for (auto _ : state) {
    ops::gemm::qu8_igemm(kernel, problem, 1, {scratch.data(), scratch.size()});
    benchmark::ClobberMemory();
  }
  state.counters["GOPS"] = benchmark::Counter(op_count, benchmark::Counter::kIsIterationInvariantRate);
  bench::set_int8_peak_share(state, op_count, 1);
}

void igemm(benchmark::State& state, const Qu8IgemmKernelInfo* kernel, int channels) {
  if (!ops::gemm::runnable(*kernel)) return state.SkipWithError("ISA not supported");
  const int h = 64, w = 128;
  AlignedArray<std::uint8_t> x(std::size_t(h) * w * std::size_t(channels)), y(x.size());
  fill(x);
  const ops::gemm::Qu8WeightLayout layout{.out_channels = channels, .in_channels = channels, .taps = 9, .nr = kernel->nr};
  std::vector<std::int8_t> weights(std::size_t(channels) * std::size_t(channels) * 9);
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i] = std::int8_t(int(i % 7) - 3);
  AlignedArray<std::int8_t> packed(layout.bytes());
  ops::gemm::qu8_pack_weights(weights.data(), layout, packed.data());
  const Epilogue e(channels);
  const ops::gemm::Qu8IgemmProblem problem{
      .in = {.input = {x.data(), {channels, h, w}}, .height = h, .kernel_h = 3, .kernel_w = 3, .pad = 1, .zero_point = 3},
      .out_w = w,
      .pixels = h * w,
      .packed = packed.data(),
      .weights = layout,
      .c = y.data(),
      .ldc = std::size_t(channels),
      .epilogue = e.get()};
  time_igemm(state, *kernel, problem, channels, 9, 2.0 * h * w * channels * channels * 9);
}

// A stem over 3 colours (taps gathered into patches): 7x7/2 3->64 (ffnet18/34's ResNet stem) or
// 3x3/2 3->32 (the S and N models'), on a 512x1024 input, one core.
void stem(benchmark::State& state, const Qu8IgemmKernelInfo* kernel, int kernel_size, int out_channels) {
  if (!ops::gemm::runnable(*kernel)) return state.SkipWithError("ISA not supported");
  const int h = 512, w = 1024, taps = kernel_size * kernel_size, out_h = h / 2, out_w = w / 2;
  AlignedArray<std::uint8_t> x(std::size_t(h) * w * 3), y(std::size_t(out_h) * out_w * std::size_t(out_channels));
  fill(x);
  const auto layout = ops::gemm::qu8_igemm_weight_layout(out_channels, 3, taps, kernel->nr);
  std::vector<std::int8_t> weights(std::size_t(out_channels) * 3 * std::size_t(taps));
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i] = std::int8_t(int(i % 7) - 3);
  AlignedArray<std::int8_t> packed(layout.bytes());
  ops::gemm::qu8_igemm_pack_weights(weights.data(), 3, layout, packed.data());
  const Epilogue e(out_channels);
  const ops::gemm::Qu8IgemmProblem problem{
      .in = {.input = {x.data(), {3, h, w}}, .height = h, .kernel_h = kernel_size, .kernel_w = kernel_size,
             .stride = 2, .pad = kernel_size / 2, .zero_point = 3},
      .out_w = out_w,
      .pixels = out_h * out_w,
      .packed = packed.data(),
      .weights = layout,
      .c = y.data(),
      .ldc = std::size_t(out_channels),
      .epilogue = e.get()};
  time_igemm(state, *kernel, problem, 3, taps, 2.0 * out_h * out_w * out_channels * 3 * taps);
}

const bool registered = [] {
  benchmark::RegisterBenchmark("peak/measured", peaks)->Iterations(1);
  for (const Qu8IgemmKernelInfo& kernel : ops::gemm::qu8_igemm_kernels()) {
    const std::string name(kernel.name);
    for (auto [channels, taps] : {std::pair{64, 9}, {256, 9}, {128, 1}, {148, 1}})
      benchmark::RegisterBenchmark(
          ("qu8_microkernel/" + name + "/" + std::to_string(channels) + "x" + std::to_string(taps)).c_str(),
          microkernel, &kernel, channels, taps);
    for (int channels : {32, 64, 128})
      benchmark::RegisterBenchmark(("qu8_igemm/" + name + "/" + std::to_string(channels)).c_str(), igemm, &kernel,
                                   channels);
    benchmark::RegisterBenchmark(("qu8_stem/" + name + "/7x7s2_3to64@512x1024").c_str(), stem, &kernel, 7, 64)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("qu8_stem/" + name + "/3x3s2_3to32@512x1024").c_str(), stem, &kernel, 3, 32)
        ->Unit(benchmark::kMillisecond);
  }
  return true;
}();

}  // namespace
