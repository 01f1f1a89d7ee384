#include "ffnet/equalization.hpp"

#include <cmath>
#include <vector>

#include "weights/batchnorm.hpp"

namespace ffnet {
namespace {

struct Pair {
  const Node* producer;
  const ConvParams* a;
  const ConvParams* b;
};

std::vector<Pair> equalizable_pairs(const Graph& graph) {
  std::vector<int> readers(std::size_t(graph.value_count()), 0);
  for (const Node& node : graph.nodes)
    for (ValueId v : node.inputs) ++readers[std::size_t(v)];
  std::vector<Pair> pairs;
  for (const Node& node : graph.nodes) {
    const auto* b = std::get_if<ConvParams>(&node.params);
    if (!b) continue;
    const ValueId v = node.inputs[0];
    for (const Node& producer : graph.nodes) {
      const auto* a = std::get_if<ConvParams>(&producer.params);
      if (a && producer.output == v && a->relu && producer.inputs.size() == 1 && readers[std::size_t(v)] == 1 &&
          v != graph.output)
        pairs.push_back({&producer, a, b});
    }
  }
  return pairs;
}

// |gamma[o] / sqrt(var[o] + eps)| per output channel: how batch norm scales the conv's output.
std::vector<double> batchnorm_gain(const ConvParams& conv, const std::map<std::string, Tensor>& tensors) {
  std::vector<double> gain(std::size_t(conv.shape.out_channels), 1.0);
  if (conv.batchnorm.empty()) return gain;
  const Tensor& gamma = tensors.at(conv.batchnorm + ".weight");
  const Tensor& var = tensors.at(conv.batchnorm + ".running_var");
  for (std::size_t o = 0; o < gain.size(); ++o)
    gain[o] = std::abs(double(gamma.data()[o])) / std::sqrt(double(var.data()[o]) + weights::kBatchNormEps);
  return gain;
}

// Scales one pair; returns the largest |log s_i|.
double equalize_pair(const Pair& pair, std::map<std::string, Tensor>& tensors) {
  const ops::ConvShape& sa = pair.a->shape;
  const ops::ConvShape& sb = pair.b->shape;
  Tensor& wa = tensors.at(pair.a->weight);
  Tensor& wb = tensors.at(pair.b->weight);
  const std::vector<double> gain_a = batchnorm_gain(*pair.a, tensors), gain_b = batchnorm_gain(*pair.b, tensors);
  const std::size_t per_out_a = std::size_t(sa.in_channels) * std::size_t(sa.kernel_h * sa.kernel_w);
  const std::size_t taps_b = std::size_t(sb.kernel_h * sb.kernel_w);
  const std::size_t channels = std::size_t(sa.out_channels);
  std::vector<double> range_a(channels, 0), range_b(channels, 0);
  for (std::size_t i = 0; i < channels; ++i) {
    for (std::size_t k = 0; k < per_out_a; ++k)
      range_a[i] = std::max(range_a[i], std::abs(double(wa.data()[i * per_out_a + k])) * gain_a[i]);
    for (std::size_t o = 0; o < std::size_t(sb.out_channels); ++o)
      for (std::size_t t = 0; t < taps_b; ++t)
        range_b[i] = std::max(range_b[i], std::abs(double(wb.data()[(o * channels + i) * taps_b + t])) * gain_b[o]);
  }
  double moved = 0;
  for (std::size_t i = 0; i < channels; ++i) {
    if (!(range_a[i] > 0) || !(range_b[i] > 0)) continue;
    const double s = std::sqrt(range_a[i] / range_b[i]);
    moved = std::max(moved, std::abs(std::log(s)));
    if (!pair.a->batchnorm.empty()) {
      for (const char* field : {".weight", ".bias"}) tensors.at(pair.a->batchnorm + field).data()[i] /= float(s);
    } else {
      for (std::size_t k = 0; k < per_out_a; ++k) wa.data()[i * per_out_a + k] /= float(s);
      if (!pair.a->bias.empty()) tensors.at(pair.a->bias).data()[i] /= float(s);
    }
    for (std::size_t o = 0; o < std::size_t(sb.out_channels); ++o)
      for (std::size_t t = 0; t < taps_b; ++t) wb.data()[(o * channels + i) * taps_b + t] *= float(s);
  }
  return moved;
}

}  // namespace

int equalize_layers(const Graph& graph, std::map<std::string, Tensor>& tensors) {
  const std::vector<Pair> pairs = equalizable_pairs(graph);
  constexpr int kMaxSweeps = 20;
  for (int sweep = 0; sweep < kMaxSweeps; ++sweep) {
    double moved = 0;
    for (const Pair& pair : pairs) moved = std::max(moved, equalize_pair(pair, tensors));
    if (moved < 1e-3) break;
  }
  return int(pairs.size());
}

}  // namespace ffnet
