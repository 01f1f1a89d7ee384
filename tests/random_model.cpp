#include "tests/random_model.hpp"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "ffnet/graph.hpp"
#include "ffnet/quantized_graph.hpp"
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

void write_random_int8_model(const std::string& path, const std::string& model, std::uint32_t seed) {
  const ModelConfig config = model_config(model);
  Graph graph = quantized_graph(build_graph(config));
  std::mt19937 rng(seed);
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const TensorSpec& spec : required_tensors(graph)) {
    Tensor t(spec.shape, spec.dtype == DType::f32 ? DType::f32 : spec.dtype);
    if (spec.dtype == DType::i8) {
      std::uniform_int_distribution<int> q(-127, 127);
      for (std::size_t i = 0; i < t.size(); ++i) t.data_as<std::int8_t>()[i] = std::int8_t(q(rng));
    } else if (spec.dtype == DType::u8) {
      t.data_as<std::uint8_t>()[0] = 0;  // set below, by class
    } else if (spec.name.ends_with(".weight_scale")) {
      fill(t, rng, 0.5f, 1.5f);  // times the layer's scale below
    } else {
      fill(t, rng, -0.1f, 0.1f);
    }
    tensors.emplace_back(spec.name, std::move(t));
  }
  // Per-channel weight scales: sqrt(6 / fan_in) / 127 times the random factor above.
  for (const Node& node : graph.nodes)
    if (const auto* c = std::get_if<ConvParams>(&node.params))
      for (auto& [name, t] : tensors)
        if (name == weight_scale_key(node)) {
          const double fan_in = double(c->shape.in_channels) * c->shape.kernel_h * c->shape.kernel_w;
          for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] *= float(std::sqrt(6.0 / fan_in) / 127.0 * 0.6);
        }
  // Activation parameters: one per sharing class; zero 0 where a ReLU made the value.
  const std::vector<ValueId> classes = shared_quant_classes(graph);
  std::vector<bool> relu(std::size_t(graph.value_count()), false);
  for (const Node& node : graph.nodes)
    if (const auto* c = std::get_if<ConvParams>(&node.params)) relu[std::size_t(node.output)] = c->relu;
  std::vector<QuantParams> chosen(std::size_t(graph.value_count()));
  std::uniform_real_distribution<float> unit(0, 1);
  for (ValueId v : u8_values(graph)) {
    const ValueId root = classes[std::size_t(v)];
    if (root == v) chosen[std::size_t(v)] = {0.01f + 0.03f * unit(rng), relu[std::size_t(v)] ? 0 : 60 + int(rng() % 100)};
  }
  for (ValueId v : u8_values(graph)) chosen[std::size_t(v)] = chosen[std::size_t(classes[std::size_t(v)])];
  for (auto& [name, t] : tensors)
    for (ValueId v : u8_values(graph)) {
      if (name == quant_scale_key(graph, v)) t.data()[0] = chosen[std::size_t(v)].scale;
      if (name == quant_zero_point_key(graph, v)) t.data_as<std::uint8_t>()[0] = std::uint8_t(chosen[std::size_t(v)].zero_point);
    }
  std::vector<weights::NamedTensor> named;
  for (const auto& [name, tensor] : tensors) named.push_back({name, &tensor});
  weights::write_safetensors(path, named, {{"model", model}, {"format", kInt8Format}});
}

Network load_random_model(const std::string& model, std::uint32_t seed, const LoadOptions& options, bool int8) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("ffnet_random_" + std::to_string(::getpid()) + "_" + model +
                                      (int8 ? ".int8" : "") + ".safetensors");
  if (int8) write_random_int8_model(path.string(), model, seed);
  else write_random_model(path.string(), model, seed);
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
