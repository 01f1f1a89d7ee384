// Whole models: the issue's three rows (and their exact, non-Winograd variant), random
// weights (tests/random_model.hpp), batch 1, Network::forward after one warm-up call (which plans the workspace).
//   model/<name>@<HxW>/threads:<n>         the default load options (Winograd on)
//   model_exact/<name>@<HxW>/threads:<n>   ConvAlgorithm::exact
//   model_int8/<name>@<HxW>/threads:<n>    an int8 file of random weights and quantisation
// FLOPS counts graph_flops (direct convolution work, as --benchmark's gflop=); peak% is the
// share of n cores' FMA peak.
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "bench_peak.hpp"
#include "ffnet/ffnet.hpp"
#include "tests/random_model.hpp"

namespace {

using namespace ffnet;

struct Row {
  const char* model;
  int height;
  int width;
};

constexpr Row kRows[] = {
    {"segmentation_ffnet40S_dBBB_mobile", 1024, 2048},
    {"segmentation_ffnet122NS_CCC_mobile", 512, 1024},
    {"segmentation_ffnet18_dAAC", 1024, 2048},
    {"segmentation_ffnet46NS_CCC_mobile", 128, 256},
};

void forward(benchmark::State& state, Row row, LoadOptions options, bool int8) {
  const int threads = int(state.range(0));
  const Network net = testing::load_random_model(row.model, 1, options, int8);
  Tensor input({1, 3, row.height, row.width});
  std::mt19937 rng(2);
  std::normal_distribution<float> normal;
  for (std::size_t i = 0; i < input.size(); ++i) input.data()[i] = normal(rng);
  Workspace workspace(threads);
  Tensor output;
  net.forward(input, output, workspace);  // plans and allocates
  for (auto _ : state) net.forward(input, output, workspace);
  const double flops = net.flops(input.image_dims());
  bench::set_flops(state, flops, threads);
}

const bool registered = [] {
  for (const Row& row : kRows) {
    const std::string name = std::string(row.model) + "@" + std::to_string(row.height) + "x" +
                             std::to_string(row.width);
    for (const auto& [prefix, algorithm] :
         {std::pair{"model/", ConvAlgorithm::fastest}, std::pair{"model_exact/", ConvAlgorithm::exact}})
      benchmark::RegisterBenchmark((prefix + name).c_str(), forward, row, LoadOptions{.conv_algorithm = algorithm}, false)
          ->ArgName("threads")->Arg(1)->Arg(2)->Iterations(5)->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("model_int8/" + name).c_str(), forward, row, LoadOptions{}, true)
        ->ArgName("threads")->Arg(1)->Arg(2)->Iterations(5)->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  return true;
}();

}  // namespace

