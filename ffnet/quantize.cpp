#include "ffnet/quantize.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "ffnet/core/error.hpp"
#include "ffnet/equalization.hpp"
#include "ffnet/graph.hpp"
#include "ffnet/network.hpp"
#include "ffnet/quantized_graph.hpp"
#include "weights/safetensors.hpp"
#include "weights/sha256.hpp"

namespace ffnet {
namespace {

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

// Per output channel: scale max |w| / 127 (1 for an all-zero channel) and w / scale rounded.
struct QuantizedWeights {
  Tensor weight;  // i8, the float weight's shape
  Tensor scale;   // [O]
};

QuantizedWeights quantize_weights(const Tensor& weight) {
  QuantizedWeights q{Tensor(weight.shape(), DType::i8), Tensor({weight.shape()[0]})};
  const std::size_t channels = std::size_t(weight.shape()[0]), per_channel = weight.size() / channels;
  for (std::size_t o = 0; o < channels; ++o) {
    const float* w = weight.data() + o * per_channel;
    float largest = 0;
    for (std::size_t k = 0; k < per_channel; ++k) largest = std::max(largest, std::abs(w[k]));
    const float scale = largest > 0 ? largest / 127.0f : 1.0f;
    q.scale.data()[o] = scale;
    for (std::size_t k = 0; k < per_channel; ++k)
      q.weight.data_as<std::int8_t>()[o * per_channel + k] =
          std::int8_t(std::clamp(std::nearbyint(double(w[k]) / double(scale)), -127.0, 127.0));
  }
  return q;
}

}  // namespace

struct Quantizer::Impl {
  std::string source_path;
  std::string source_sha256;
  QuantizeOptions options;
  Graph graph;  // the float graph
  std::string equalized_bytes;  // the equalised float file, in memory (if options.equalize)
  std::unique_ptr<weights::SafetensorsFile> weights;  // the float tensors quantised: the source or the equalised
  int equalized_pairs = 0;
  Network network;
  Workspace workspace;
  std::map<std::string, ValueId, std::less<>> value_ids;
  std::vector<RangeObserver> observers;  // per float value
  std::size_t images = 0;

  Impl(const std::string& path, const QuantizeOptions& o, Network net)
      : source_path(path), options(o), network(std::move(net)), workspace(o.threads) {}
};

Quantizer::Quantizer(const std::string& float_path, const QuantizeOptions& options) {
  auto source = std::make_unique<weights::SafetensorsFile>(weights::SafetensorsFile::open(float_path));
  if (source->metadata().count("format"))
    throw_input(float_path + ": is not a float model (its metadata says format '" + source->metadata().at("format") +
                "'); quantise the float file it was made from");
  LoadOptions load{.model = options.model, .conv_algorithm = ConvAlgorithm::exact, .band_bytes = 0};
  Network network = Network::load(*source, load);  // validates every tensor
  impl_ = std::make_unique<Impl>(float_path, options, std::move(network));
  Impl& q = *impl_;
  q.graph = build_graph(q.network.config());
  q.source_sha256 = weights::sha256_of_file(float_path);
  q.weights = std::move(source);
  if (options.equalize) {
    std::map<std::string, Tensor> tensors;
    for (const TensorSpec& spec : required_tensors(q.graph)) tensors.emplace(spec.name, q.weights->read_f32(*q.weights->find(spec.name)));
    q.equalized_pairs = equalize_layers(q.graph, tensors);
    std::vector<weights::NamedTensor> named;
    for (const auto& [name, tensor] : tensors) named.push_back({name, &tensor});
    q.equalized_bytes = weights::safetensors_bytes(named, {{"model", q.network.config().name}});
    q.weights = std::make_unique<weights::SafetensorsFile>(
        weights::memory_source(q.equalized_bytes, float_path + " (equalised)"));
    q.network = Network::load(*q.weights, load);
  }
  for (ValueId v = 0; v < q.graph.value_count(); ++v) q.value_ids.emplace(q.graph.value_names[std::size_t(v)], v);
  q.observers.resize(std::size_t(q.graph.value_count()));
  q.workspace.observer = [&q](const NodeEvent& e) {
    const auto it = q.value_ids.find(e.value_name);
    if (it == q.value_ids.end() || !e.output.data) return;
    const auto view = e.output.as<const float>();
    q.observers[std::size_t(it->second)].add(view.data, view.dims.size(),
                                             std::string("value '") + std::string(e.value_name) + "'");
  };
}

Quantizer::~Quantizer() = default;
Quantizer::Quantizer(Quantizer&&) noexcept = default;
Quantizer& Quantizer::operator=(Quantizer&&) noexcept = default;

const ModelConfig& Quantizer::config() const { return impl_->network.config(); }
std::size_t Quantizer::observed_images() const { return impl_->images; }

void Quantizer::observe(const Tensor& input, const std::string& what) {
  Impl& q = *impl_;
  if (input.rank() != 4 || input.shape()[1] != 3 || input.dtype() != DType::f32)
    throw_input(what + ": expected an N x 3 x H x W float32 input, got shape " + input.shape_str());
  check_finite(input, what);
  // The input's own range first, so that a refused input leaves no trace in the others.
  RangeObserver input_range = q.observers[std::size_t(q.graph.input)];
  input_range.add(input.data(), input.size(), what);
  std::vector<RangeObserver> before = q.observers;
  try {
    Tensor output;
    q.network.forward(input, output, q.workspace);
  } catch (...) {
    q.observers = std::move(before);
    throw;
  }
  q.observers[std::size_t(q.graph.input)] = std::move(input_range);
  q.images += std::size_t(input.shape()[0]);
}

void Quantizer::write(const std::string& path) const {
  const Impl& q = *impl_;
  if (q.images == 0) throw_usage("nothing to quantise from: no calibration input was observed");
  if (same_file(path, q.source_path))
    throw_usage(path + " is the float model itself: the int8 file must not replace its source");
  Graph graph = quantized_graph(q.graph);
  // Each u8 value's range: its own, or for a quantised copy of a float value, that value's;
  // then one range (their union) for the values that must share parameters.
  std::vector<ValueId> observed(std::size_t(graph.value_count()));
  for (ValueId v = 0; v < graph.value_count(); ++v) observed[std::size_t(v)] = v;
  for (const Node& node : graph.nodes)
    if (std::holds_alternative<QuantizeParams>(node.params)) observed[std::size_t(node.output)] = node.inputs[0];
  const std::vector<ValueId> classes = shared_quant_classes(graph);
  std::vector<Range> ranges(std::size_t(graph.value_count()));
  std::vector<bool> seen(ranges.size(), false);
  for (ValueId v : u8_values(graph)) {
    const Range r = q.observers[std::size_t(observed[std::size_t(v)])].range(q.options.method);
    Range& joined = ranges[std::size_t(classes[std::size_t(v)])];
    joined = seen[std::size_t(classes[std::size_t(v)])] ? Range{std::min(joined.lo, r.lo), std::max(joined.hi, r.hi)} : r;
    seen[std::size_t(classes[std::size_t(v)])] = true;
  }

  std::map<std::string, Tensor> tensors;
  for (const Node& node : graph.nodes)
    if (const auto* conv = std::get_if<ConvParams>(&node.params)) {
      auto [weight, bias] = folded_conv_weights(*q.weights, *conv);
      QuantizedWeights w = quantize_weights(weight);
      tensors.emplace(qweight_key(node), std::move(w.weight));
      tensors.emplace(weight_scale_key(node), std::move(w.scale));
      tensors.emplace(qbias_key(node), std::move(bias));
    }
  for (ValueId v : u8_values(graph)) {
    const QuantParams p = quant_params_of(ranges[std::size_t(classes[std::size_t(v)])]);
    Tensor scale({1}), zero({1}, DType::u8);
    scale.data()[0] = p.scale;
    zero.data_as<std::uint8_t>()[0] = std::uint8_t(p.zero_point);
    tensors.emplace(quant_scale_key(graph, v), std::move(scale));
    tensors.emplace(quant_zero_point_key(graph, v), std::move(zero));
  }
  std::vector<weights::NamedTensor> named;
  for (const TensorSpec& spec : required_tensors(graph)) {
    if (!tensors.count(spec.name)) tensors.emplace(spec.name, q.weights->read_f32(*q.weights->find(spec.name)));
    named.push_back({spec.name, &tensors.at(spec.name)});
  }
  const std::string source_name = q.source_path.substr(q.source_path.find_last_of('/') + 1);
  const std::map<std::string, std::string> metadata = {
      {"model", q.network.config().name},
      {"format", kInt8Format},
      {"quantization.activations", "u8, asymmetric, per tensor"},
      {"quantization.weights", "s8, symmetric, per output channel, batch norm folded in first"},
      {"quantization.bias", "float32"},
      {"quantization.float_layers", "the last convolution's output (logits), pre-down smoothing, the classifier's linear layer"},
      {"quantization.method", calibration_method_name(q.options.method)},
      {"quantization.equalized", q.options.equalize ? "cross-layer, " + std::to_string(q.equalized_pairs) + " pairs" : "no"},
      {"quantization.calibration_images", std::to_string(q.images)},
      {"quantization.source", source_name},
      {"quantization.source_sha256", q.source_sha256},
  };
  weights::write_safetensors(path, named, metadata);
}

}  // namespace ffnet
