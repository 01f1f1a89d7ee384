// FFNet's convolution layers at the Cityscapes input size (1024x2048), three ways:
//   conv/<layer>            PackedConv::run with the default kernel of the best ISA
//   conv/<layer>/<kernel>   the same GEMM driven with another kernel of the table
//   eigen/<layer>           Eigen's GEMM on the same M, N, K with B (im2col) prepared untimed
// GFLOP/s counts 2 * M * N * K per run (padding taps included, as everyone computes them).
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <cstdlib>
#include <string>
#include <vector>

#include "ffnet/aligned_buffer.hpp"
#include "ops/conv.hpp"
#include "ops/gemm/conv_gemm.hpp"

namespace {

using namespace ffnet;
using ops::ConvShape;

struct Layer {
  const char* name;
  ConvShape shape;
  int in_h;
  int in_w;
  bool bias = false;
  bool residual = false;
};

ConvShape square(int in, int out, int kernel, int stride) {
  return {in, out, kernel, kernel, stride, kernel / 2};
}

const Layer kLayers[] = {
    {"stem_7x7s2_3to64@1024x2048", square(3, 64, 7, 2), 1024, 2048},
    {"layer1_3x3_64@256x512", square(64, 64, 3, 1), 256, 512, false, true},
    {"layer1d_3x3_64@128x256", square(64, 64, 3, 1), 128, 256, false, true},
    {"layer2_3x3_128@128x256", square(128, 128, 3, 1), 128, 256, false, true},
    {"layer3_3x3_256@64x128", square(256, 256, 3, 1), 64, 128, false, true},
    {"layer4_3x3_512@32x64", square(512, 512, 3, 1), 32, 64, false, true},
    {"layer2_first_3x3s2_64to128@256x512", square(64, 128, 3, 2), 256, 512},
    {"downsample_1x1s2_64to128@256x512", square(64, 128, 1, 2), 256, 512},
    {"adapter_1x1_64to128@256x512", square(64, 128, 1, 1), 256, 512},
    {"adapter_1x1_512to128@32x64", square(512, 128, 1, 1), 32, 64},
    {"fam4_3x3_64to128@256x512", square(64, 128, 3, 1), 256, 512},
    {"seghead_3x3_512to512@128x256", square(512, 512, 3, 1), 128, 256, true},
    {"seglast_1x1_512to19@128x256", square(512, 19, 1, 1), 128, 256, true},
};

// Input, weights, output and residual for one layer, filled with small non-zero values.
struct LayerData {
  Dims in_dims, out_dims;
  AlignedBuffer input, weight, bias, output, residual;

  explicit LayerData(const Layer& layer)
      : in_dims{layer.shape.in_channels, layer.in_h, layer.in_w},
        out_dims(ops::conv_output_dims(layer.shape, in_dims)),
        input(in_dims.size()),
        weight(std::size_t(layer.shape.out_channels) * ops::gemm::conv_gemm_k(layer.shape)),
        bias(std::size_t(layer.shape.out_channels)),
        output(out_dims.size()),
        residual(layer.residual ? out_dims.size() : 0) {
    for (AlignedBuffer* b : {&input, &weight, &bias, &residual})
      for (std::size_t i = 0; i < b->size(); ++i) b->data()[i] = float(i % 13) * 0.01f - 0.05f;
  }
  ops::ConvEpilogue epilogue() const {
    return {residual.size() ? ConstView(residual.data(), out_dims) : ConstView(), true};
  }
  double flops(const ConvShape& s) const {
    return 2.0 * s.out_channels * double(out_dims.plane()) * ops::gemm::conv_gemm_k(s);
  }
};

void set_flops(benchmark::State& state, double flops) {
  state.counters["FLOPS"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
}

void packed_conv(benchmark::State& state, const Layer* layer) {
  const int threads = int(state.range(0));
  LayerData d(*layer);
  const ops::PackedConv conv(layer->shape, d.weight.data(), layer->bias ? d.bias.data() : nullptr,
                             ops::best_isa());
  AlignedBuffer scratch(conv.scratch_floats(d.in_dims, threads));
  const ops::ConvEpilogue epilogue = d.epilogue();
  for (auto _ : state)
    conv.run(ConstView(d.input.data(), d.in_dims), View{d.output.data(), d.out_dims}, epilogue,
             threads, {scratch.data(), scratch.size()});
  set_flops(state, d.flops(layer->shape));
}

void conv_with_kernel(benchmark::State& state, const Layer* layer,
                      ops::gemm::GemmKernelInfo kernel_info) {
  const ops::gemm::GemmKernelInfo* kernel = &kernel_info;
  if (!ops::isa_supported(kernel->isa)) return state.SkipWithError("ISA not supported");
  const int threads = int(state.range(0));
  LayerData d(*layer);
  namespace g = ops::gemm;
  const g::PackedALayout layout =
      g::packed_a_layout(*kernel, layer->shape.out_channels, g::conv_gemm_k(layer->shape));
  AlignedBuffer packed_a(layout.floats());
  g::pack_a(d.weight.data(), std::size_t(layout.k), layout, packed_a.data());
  g::GemmProblem problem;
  problem.m = layout.m;
  problem.n = int(d.out_dims.plane());
  problem.k = layout.k;
  problem.packed_a = packed_a.data();
  problem.b = g::conv_b_source(layer->shape, ConstView(d.input.data(), d.in_dims), d.out_dims);
  problem.out = {d.output.data(), d.out_dims.plane(), layer->bias ? d.bias.data() : nullptr,
                 d.residual.size() ? d.residual.data() : nullptr, d.out_dims.plane(), true};
  AlignedBuffer scratch(g::gemm_scratch_floats(*kernel, problem.n, problem.k, threads));
  for (auto _ : state) g::gemm(*kernel, problem, threads, {scratch.data(), scratch.size()});
  set_flops(state, d.flops(layer->shape));
}

void eigen_gemm(benchmark::State& state, const Layer* layer) {
  using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const int threads = int(state.range(0));
  Eigen::setNbThreads(threads);
  LayerData d(*layer);
  const int m = layer->shape.out_channels;
  const int k = ops::gemm::conv_gemm_k(layer->shape);
  const int n = int(d.out_dims.plane());
  const auto& scalar = ops::gemm::default_gemm_kernel(ops::Isa::scalar);  // NR = 16
  // B = the whole im2col matrix, built once outside the timing (Eigen gets it for free).
  AlignedBuffer b(std::size_t(k) * n);
  std::vector<float> panel(std::size_t(k) * 16);
  for (int n0 = 0; n0 < n; n0 += 16) {
    const int nc = std::min(16, n - n0);
    std::visit([&](const auto& s) { ops::gemm::pack_b(s, {0, k, n0, nc}, scalar, panel.data()); },
               ops::gemm::conv_b_source(layer->shape, ConstView(d.input.data(), d.in_dims),
                                        d.out_dims));
    for (int kk = 0; kk < k; ++kk)
      for (int j = 0; j < nc; ++j) b.data()[std::size_t(kk) * n + n0 + j] = panel[kk * 16 + j];
  }
  Eigen::Map<const Matrix> a_map(d.weight.data(), m, k), b_map(b.data(), k, n);
  Eigen::Map<Matrix> c_map(d.output.data(), m, n);
  for (auto _ : state) c_map.noalias() = a_map * b_map;
  set_flops(state, d.flops(layer->shape));
}

// With FFNET_BENCH_TUNE set: every SIMD kernel with a grid of block sizes on the layers that
// dominate FFNet's run time, to choose the table's MC/KC/NC.
void register_block_size_sweep() {
  for (const Layer& layer : kLayers) {
    const std::string name = layer.name;
    if (name.rfind("layer", 0) != 0 && name.rfind("stem", 0) != 0) continue;
    for (const auto& kernel : ops::gemm::gemm_kernels()) {
      if (kernel.isa == ops::Isa::scalar) continue;
      for (int kc : {128, 192, 256, 384, 512}) {
        for (int nc_panels : {4, 8, 16, 32}) {
          ops::gemm::GemmKernelInfo tuned = kernel;
          tuned.blocking = {kernel.mr * (256 / kernel.mr), kc, kernel.nr * nc_panels};
          const std::string blocks = "/kc:" + std::to_string(kc) +
                                     "/nc:" + std::to_string(tuned.blocking.nc);
          benchmark::RegisterBenchmark(
              ("tune/" + name + "/" + std::string(kernel.name) + blocks).c_str(),
              conv_with_kernel, &layer, tuned)
              ->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);
        }
      }
    }
  }
}

const bool registered = [] {
  for (const Layer& layer : kLayers) {
    const std::string name = layer.name;
    benchmark::RegisterBenchmark(("conv/" + name).c_str(), packed_conv, &layer)
        ->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
    for (const auto& kernel : ops::gemm::gemm_kernels()) {
      if (kernel.isa == ops::Isa::scalar) continue;
      benchmark::RegisterBenchmark(("conv/" + name + "/" + std::string(kernel.name)).c_str(),
                                   conv_with_kernel, &layer, kernel)
          ->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
    }
    benchmark::RegisterBenchmark(("eigen/" + name).c_str(), eigen_gemm, &layer)
        ->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
  }
  if (std::getenv("FFNET_BENCH_TUNE")) register_block_size_sweep();
  return true;
}();

}  // namespace

namespace {

// B packing alone: every KC x NC tile of one layer's im2col (or plain) matrix, as the driver
// packs them on one thread. Reports packed floats per second.
void pack_b_only(benchmark::State& state, const Layer* layer) {
  namespace g = ops::gemm;
  const g::GemmKernelInfo& kernel = g::default_gemm_kernel(ops::best_isa());
  LayerData d(*layer);
  const int k = g::conv_gemm_k(layer->shape);
  const int n = int(d.out_dims.plane());
  const int kc = g::packed_a_layout(kernel, 1, k).kc;
  const int nc = kernel.blocking.nc;
  AlignedBuffer tile(std::size_t(kc) * g::round_up(nc, kernel.nr));
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
