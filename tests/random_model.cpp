#include "tests/random_model.hpp"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "ffnet/graph.hpp"
#include "ffnet/model_config.hpp"
#include "weights/safetensors.hpp"

namespace ffnet::testing {
namespace {

void fill(Tensor& t, std::mt19937& rng, float low, float high) {
  std::uniform_real_distribution<float> uniform(low, high);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = uniform(rng);
}

}  // namespace

void write_random_model(const std::string& path, const std::string& model, std::uint32_t seed) {
  const Graph graph = build_graph(model_config(model));
  std::mt19937 rng(seed);
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const TensorSpec& spec : required_tensors(graph)) {
    Tensor t(spec.shape);
    if (spec.shape.size() >= 2) {
      const double fan_in = double(t.size()) / double(spec.shape[0]);
      const float bound = float(std::sqrt(6.0 / fan_in));
      fill(t, rng, -bound, bound);
    } else if (spec.name.ends_with(".running_var") || spec.name.ends_with(".weight")) {
      fill(t, rng, 0.5f, 1.5f);
    } else {
      fill(t, rng, -0.1f, 0.1f);
    }
    tensors.emplace_back(spec.name, std::move(t));
  }
  std::vector<weights::NamedTensor> named;
  for (const auto& [name, tensor] : tensors) named.push_back({name, &tensor});
  weights::write_safetensors(path, named, {{"model", model}});
}

Network load_random_model(const std::string& model, std::uint32_t seed, const LoadOptions& options) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("ffnet_random_" + std::to_string(::getpid()) + "_" + model + ".safetensors");
  write_random_model(path.string(), model, seed);
  struct Remove {
    const std::filesystem::path& path;
    ~Remove() { std::filesystem::remove(path); }
  } remove{path};
  return Network::load(path.string(), options);
}

Tensor random_input(int height, int width, std::uint32_t seed) {
  Tensor t({1, 3, height, width});
  std::mt19937 rng(seed);
  fill(t, rng, -2.0f, 2.0f);
  return t;
}

}  // namespace ffnet::testing
