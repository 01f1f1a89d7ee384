// Whole models: the issue's three rows (and their exact, non-Winograd variant), random
// weights, batch 1, Network::forward after one warm-up call (which plans the workspace).
//   model/<name>@<HxW>/threads:<n>         the default load options (Winograd on)
//   model_exact/<name>@<HxW>/threads:<n>   LoadOptions::winograd = false
// FLOPS counts graph_flops (direct convolution work, as --benchmark's gflop=); peak% is the
// share of n cores' FMA peak.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench_peak.hpp"
#include "ffnet/ffnet.hpp"
#include "weights/safetensors.hpp"

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
};

// He-initialised convolutions, identity batch norms, written to a temporary file and loaded.
Network random_network(const std::string& model, const LoadOptions& options) {
  const Graph graph = build_graph(model_config(model));
  std::mt19937 rng(1);
  std::vector<Tensor> tensors;
  std::vector<weights::NamedTensor> named;
  const std::vector<TensorSpec> specs = required_tensors(graph);
  tensors.reserve(specs.size());
  for (const TensorSpec& spec : specs) {
    Tensor& t = tensors.emplace_back(spec.shape);
    const bool var = spec.name.ends_with("running_var"), gamma = spec.name.ends_with(".weight") && spec.shape.size() == 1;
    std::size_t fan_in = 1;
    for (std::size_t d = 1; d < spec.shape.size(); ++d) fan_in *= std::size_t(spec.shape[d]);
    std::normal_distribution<float> normal(0.0f, std::sqrt(2.0f / float(fan_in)));
    for (std::size_t i = 0; i < t.size(); ++i)
      t.data()[i] = var || gamma ? 1.0f : spec.shape.size() > 1 ? normal(rng) : 0.0f;
    named.push_back({spec.name, &t});
  }
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("ffnet_bench_" + model + ".safetensors");
  weights::write_safetensors(path.string(), named, {{"model", model}});
  Network net = Network::load(path.string(), options);
  std::filesystem::remove(path);
  return net;
}

void forward(benchmark::State& state, Row row, LoadOptions options) {
  const int threads = int(state.range(0));
  const Network net = random_network(row.model, options);
  Tensor input({1, 3, row.height, row.width});
  std::mt19937 rng(2);
  std::normal_distribution<float> normal;
  for (std::size_t i = 0; i < input.size(); ++i) input.data()[i] = normal(rng);
  Workspace workspace(threads);
  Tensor output;
  net.forward(input, output, workspace);  // plans and allocates
  for (auto _ : state) net.forward(input, output, workspace);
  const double flops = graph_flops(net.graph(), infer_dims(net.graph(), input.image_dims()));
  state.counters["FLOPS"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  bench::set_peak_share(state, flops, threads);
}

const bool registered = [] {
  for (const Row& row : kRows) {
    const std::string name = std::string(row.model) + "@" + std::to_string(row.height) + "x" +
                             std::to_string(row.width);
    for (const auto& [prefix, winograd] : {std::pair{"model/", true}, std::pair{"model_exact/", false}})
      benchmark::RegisterBenchmark((prefix + name).c_str(), forward, row, LoadOptions{.winograd = winograd})
          ->ArgName("threads")->Arg(1)->Arg(2)->Iterations(5)->UseRealTime()
          ->Unit(benchmark::kMillisecond);
  }
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
