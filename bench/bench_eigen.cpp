// Eigen's GEMM on the same M, N, K as each FFNet layer (bench_layers.hpp), with B (the whole
// im2col matrix) built outside the timing: Eigen gets the packing for free. This file alone is
// compiled with -march=native so that Eigen uses the best vectors of this machine.
#include <Eigen/Core>
#include <string>
#include <vector>

#include "bench_layers.hpp"
#include "ops/gemm/pack.hpp"

namespace {

using namespace ffnet;
using namespace ffnet::bench;

void eigen_gemm(benchmark::State& state, const Layer* layer) {
  using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const int threads = int(state.range(0));
  Eigen::setNbThreads(threads);
  LayerData d(*layer);
  const int m = layer->shape.out_channels;
  const int k = ops::gemm::conv_gemm_k(layer->shape);
  const int n = int(d.out_dims.plane());
  const auto& scalar = ops::gemm::default_gemm_kernel(DType::f32, ops::Isa::scalar);  // NR = 16
  // B = the whole im2col matrix, built once outside the timing (Eigen gets it for free).
  AlignedArray<float> b(std::size_t(k) * n);
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
  set_flops(state, d.flops(layer->shape), threads);
}

const bool registered = [] {
  for (const Layer& layer : kLayers)
    benchmark::RegisterBenchmark(("eigen/" + std::string(layer.name)).c_str(), eigen_gemm, &layer)
        ->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
  return true;
}();

}  // namespace
