// FFNet's convolution layers (bench_layers.hpp) three ways:
//   conv/<layer>            the conv op with the default kernel of the best ISA (exact)
//   conv/<layer>/<kernel>   the same GEMM driven with another kernel of the table
//   winograd/<layer>        the conv op with Winograd F(4x4, 3x3) (3x3 stride-1 layers);
//                           FLOPS counts the direct convolution's work, so it is comparable
// and B packing alone (pack_b/<layer>). Eigen's GEMM on the same shapes: bench_eigen.cpp.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <deque>
#include <string>

#include "ffnet/core/aligned_buffer.hpp"
#include "ops/conv.hpp"
#include "bench_layers.hpp"
#include "ops/gemm/conv_gemm.hpp"
#include "ops/gemm/winograd.hpp"
#include "tests/op_runner.hpp"

namespace {

using namespace ffnet;
using namespace ffnet::bench;

void conv_op(benchmark::State& state, const Layer* layer, ConvAlgorithm algorithm, ops::Isa isa) {
  if (!ops::isa_supported(isa)) return state.SkipWithError("ISA not supported");
  const int threads = int(state.range(0));
  LayerData d(*layer);
  const auto conv = ops::make_conv({.shape = layer->shape, .residual = layer->residual, .relu = true},
                                   {d.weight.data(), d.weight.size()},
                                   {d.bias.data(), layer->bias ? d.bias.size() : 0},
                                   {.isa = isa, .conv_algorithm = algorithm});
  const std::vector<ConstView> inputs = d.inputs();
  const test::PlannedOp planned(*conv, test::dims_of(inputs), d.out_dims, threads);
  state.SetLabel(planned.plan().algorithm);
  for (auto _ : state) planned.run(inputs, View{d.output.data(), d.out_dims});
  set_flops(state, d.flops(layer->shape), threads, fma_peak_of(isa.features));
}

void conv_with_kernel(benchmark::State& state, const Layer* layer,
                      ops::gemm::GemmKernelInfo kernel_info) {
  const ops::gemm::GemmKernelInfo* kernel = &kernel_info;
  if (!ops::gemm::runnable(*kernel)) return state.SkipWithError("ISA not supported");
  const int threads = int(state.range(0));
  LayerData d(*layer);
  namespace g = ops::gemm;
  const g::PackedALayout layout =
      g::packed_a_layout(*kernel, layer->shape.out_channels, g::conv_gemm_k(layer->shape));
  AlignedArray<float> packed_a(layout.floats());
  g::pack_a(d.weight.data(), std::size_t(layout.k), layout, packed_a.data());
  g::GemmProblem problem;
  problem.m = layout.m;
  problem.n = int(d.out_dims.plane());
  problem.k = layout.k;
  problem.packed_a = packed_a.data();
  problem.b = g::conv_b_source(layer->shape, ConstView(d.input.data(), d.in_dims), d.out_dims);
  problem.out = {d.output.data(), d.out_dims.plane(), layer->bias ? d.bias.data() : nullptr,
                 d.residual.size() ? d.residual.data() : nullptr, d.out_dims.plane(), true};
  AlignedArray<float> scratch(g::gemm_scratch_floats(*kernel, problem.n, problem.k, threads));
  for (auto _ : state) g::gemm(*kernel, problem, threads, {scratch.data(), scratch.size()});
  set_flops(state, d.flops(layer->shape), threads, fma_peak_of(kernel->required));
}

// Winograd with the kernel's Winograd blocking replaced: `tiles` output tiles transformed and
// multiplied together, input channels in blocks of at most `kc`.
void winograd_with_blocking(benchmark::State& state, const Layer* layer, ops::gemm::GemmKernelInfo kernel) {
  namespace g = ops::gemm;
  const int threads = int(state.range(0));
  LayerData d(*layer);
  AlignedArray<float> packed(g::winograd_weight_floats(kernel, layer->shape));
  g::winograd_pack_weights(kernel, layer->shape, d.weight.data(), packed.data());
  AlignedArray<float> scratch(g::winograd_scratch_floats(kernel, layer->shape, d.out_dims, threads));
  const ConstView in(d.input.data(), d.in_dims);
  const View out{d.output.data(), d.out_dims};
  const ConstView residual = d.residual.size() ? ConstView(d.residual.data(), d.out_dims) : ConstView();
  for (auto _ : state)
    g::winograd_conv(kernel, ops::best_isa(), layer->shape, packed.data(), d.bias.data(), {in, 0, in.dims.h},
                     {out, 0, out.dims.h}, {0, out.dims.h}, {residual, true}, threads, {scratch.data(), scratch.size()});
  set_flops(state, d.flops(layer->shape), threads);
}

// With FFNET_BENCH_TUNE set: every SIMD kernel with a grid of block sizes on the layers that
// dominate FFNet's run time, to choose the table's MC/KC/NC and Winograd blocking.
void register_block_size_sweep() {
  for (const Layer& layer : kLayers) {
    const std::string name = layer.name;
    if (name.rfind("layer", 0) != 0 && name.rfind("stem", 0) != 0) continue;
    for (const auto& kernel : ops::gemm::gemm_kernels()) {
      if (kernel.required == ops::Isa::scalar.features) continue;
      for (int kc : {192, 256, 384, 512}) {
        for (int nc_panels : {4, 8, 16, 32}) {
          for (int mc_panels : {8, 16, 32}) {
          ops::gemm::GemmKernelInfo tuned = kernel;
          tuned.blocking = {kernel.mr * mc_panels, kc, kernel.nr * nc_panels};
          const std::string blocks = "/mc:" + std::to_string(tuned.blocking.mc) + "/kc:" +
                                     std::to_string(kc) + "/nc:" + std::to_string(tuned.blocking.nc);
          benchmark::RegisterBenchmark(
              ("tune/" + name + "/" + std::string(kernel.name) + blocks).c_str(),
              conv_with_kernel, &layer, tuned)
              ->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);
          }
        }
      }
    }
  }
}

// With FFNET_BENCH_TUNE set: exact against Winograd on 3x3 layers of 64 to 512 channels at the
// map sizes FFNet has on small inputs, where the two cross over (ops/gemm/conv_op.cpp).
std::vector<Layer>& crossover_layers() {
  static std::vector<Layer> layers;
  return layers;
}

void register_winograd_crossover() {
  static std::deque<std::string> names;  // stable addresses for the layers' names
  std::vector<Layer>& layers = crossover_layers();
  for (int channels : {64, 128, 256, 512})
    for (auto [h, w] : {std::pair{2, 4}, {4, 8}, {8, 16}, {16, 32}, {32, 64}}) {
      names.push_back(std::to_string(channels) + "ch@" + std::to_string(h) + "x" + std::to_string(w));
      layers.push_back({names.back().c_str(), square(channels, channels, 3, 1), h, w, false, true});
    }
  for (const Layer& layer : layers)  // the vector is complete: its addresses are stable now
    for (const auto& [kind, algorithm] : {std::pair{"exact", ConvAlgorithm::exact}, {"winograd", ConvAlgorithm::winograd}})
      benchmark::RegisterBenchmark(("crossover/" + std::string(layer.name) + "/" + kind).c_str(), conv_op, &layer,
                                   algorithm, ops::best_isa())
          ->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMicrosecond);
}

void register_winograd_blocking_sweep() {
  for (const Layer& layer : kLayers) {
    if (!ops::gemm::winograd_applies(layer.shape)) continue;
    for (const auto& kernel : ops::gemm::gemm_kernels()) {
      if (kernel.required == ops::Isa::scalar.features || !ops::gemm::runnable(kernel)) continue;
      for (int tiles : {32, 64, 128, 192})
        for (int kc : {64, 128, 256}) {
          if (tiles % kernel.nr != 0) continue;
          ops::gemm::GemmKernelInfo tuned = kernel;
          tuned.winograd.tiles = tiles;
          tuned.winograd.kc = kc;
          const std::string blocks = "/tiles:" + std::to_string(tuned.winograd.tiles) + "/kc:" + std::to_string(kc);
          benchmark::RegisterBenchmark(
              ("tune_winograd/" + std::string(layer.name) + "/" + std::string(kernel.name) + blocks).c_str(),
              winograd_with_blocking, &layer, tuned)
              ->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
        }
    }
  }
}

const bool registered = [] {
  for (const Layer& layer : kLayers) {
    const std::string name = layer.name;
    benchmark::RegisterBenchmark(("conv/" + name).c_str(), conv_op, &layer, ConvAlgorithm::exact, ops::best_isa())
        ->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
    // The whole op as `--isa avx2_fma --exact` runs it, against the 256-bit FMA peak.
    benchmark::RegisterBenchmark(("conv/" + name + "/isa:avx2_fma").c_str(), conv_op, &layer, ConvAlgorithm::exact,
                                 ops::Isa::avx2_fma)
        ->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
    if (ops::gemm::winograd_applies(layer.shape))
      benchmark::RegisterBenchmark(("winograd/" + name).c_str(), conv_op, &layer, ConvAlgorithm::winograd,
                                   ops::best_isa())
          ->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
    for (const auto& kernel : ops::gemm::gemm_kernels()) {
      if (kernel.required == ops::Isa::scalar.features) continue;
      benchmark::RegisterBenchmark(("conv/" + name + "/" + std::string(kernel.name)).c_str(),
                                   conv_with_kernel, &layer, kernel)
          ->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
    }
  }
  if (std::getenv("FFNET_BENCH_TUNE")) register_block_size_sweep();
  if (std::getenv("FFNET_BENCH_TUNE")) register_winograd_blocking_sweep();
  if (std::getenv("FFNET_BENCH_TUNE")) register_winograd_crossover();
  return true;
}();

}  // namespace

namespace {

// B packing alone: every KC x NC tile of one layer's im2col (or plain) matrix, as the driver
// packs them on one thread. Reports packed floats per second.
void pack_b_only(benchmark::State& state, const Layer* layer) {
  namespace g = ops::gemm;
  const g::GemmKernelInfo& kernel = g::default_gemm_kernel(DType::f32, ops::best_isa());
  LayerData d(*layer);
  const int k = g::conv_gemm_k(layer->shape);
  const int n = int(d.out_dims.plane());
  const int kc = g::packed_a_layout(kernel, 1, k).kc;
  const int nc = kernel.blocking.nc;
  AlignedArray<float> tile(std::size_t(kc) * g::round_up(nc, kernel.nr));
  const g::BSource source =
      g::conv_b_source(layer->shape, ConstView(d.input.data(), d.in_dims), d.out_dims);
  for (auto _ : state) {
    for (int n0 = 0; n0 < n; n0 += nc)
      for (int k0 = 0; k0 < k; k0 += kc)
        std::visit([&](const auto& s) {
          g::pack_b(s, {k0, std::min(kc, k - k0), n0, std::min(nc, n - n0)}, kernel,
                    tile.data());
        }, source);
    benchmark::ClobberMemory();
  }
  state.counters["floats"] = benchmark::Counter(double(k) * n, benchmark::Counter::kIsIterationInvariantRate);
}

const bool registered_pack = [] {
  for (const Layer& layer : kLayers)
    benchmark::RegisterBenchmark(("pack_b/" + std::string(layer.name)).c_str(), pack_b_only, &layer)
        ->Unit(benchmark::kMillisecond);
  return true;
}();

}  // namespace
