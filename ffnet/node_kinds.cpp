// Everything each kind of node means: its name, output size, work and checkpoint tensors, and
// how it becomes an op at load (tensors read, batch norm folded, the ops layer's make_*).
#include <cmath>

#include "ffnet/core/error.hpp"
#include "ffnet/graph.hpp"
#include "ffnet/overloaded.hpp"
#include "ffnet/quantized_graph.hpp"
#include "ops/elementwise.hpp"
#include "ops/qu8_conv.hpp"
#include "ops/qu8_ops.hpp"
#include "ops/smoothing.hpp"
#include "weights/batchnorm.hpp"
#include "weights/safetensors.hpp"

namespace ffnet {
namespace {

// The memory rule of Winograd: a layer may hold its 4x larger weights if its output at the
// model's natural input size has at least 32x64 pixels, where it computes the most per weight
// (bench_gemm, one Zen 4 core: 192 channels at 32x64, 3.8 ms against 12.8 exact). Allowing the
// 16x32 layers too (Winograd is faster there as well: 256 channels 3.4 against 5.7 ms) would
// add 260 MB to ffnet122NS at its natural size, more than doubling its resident memory. Within
// that, the conv op chooses Winograd per input size, where it is faster (conv_op.cpp).
constexpr std::size_t kWinogradWeightsMinPixels = 32 * 64;

std::span<const float> values(const Tensor& t) { return {t.data(), t.size()}; }

Tensor read_finite(const weights::SafetensorsFile& file, const std::string& name) {
  Tensor t = file.read_f32(*file.find(name));
  for (std::size_t i = 0; i < t.size(); ++i)
    if (!std::isfinite(t.data()[i]))
      throw_input(file.name() + ": tensor '" + name + "' contains non-finite values (NaN or infinity)");
  return t;
}

}  // namespace

std::pair<Tensor, Tensor> folded_conv_weights(const weights::SafetensorsFile& file, const ConvParams& conv) {
  Tensor weight = read_finite(file, conv.weight);
  Tensor bias({conv.shape.out_channels});
  if (!conv.bias.empty()) bias = read_finite(file, conv.bias);
  const std::string& bn = conv.batchnorm;
  if (!bn.empty()) {
    Tensor gamma = read_finite(file, bn + ".weight"), beta = read_finite(file, bn + ".bias");
    Tensor mean = read_finite(file, bn + ".running_mean"), var = read_finite(file, bn + ".running_var");
    const std::string what = file.name() + ": " + bn;
    weights::fold_batchnorm(what.c_str(), conv.shape.out_channels,
                            weight.size() / std::size_t(conv.shape.out_channels), weight.data(), bias.data(),
                            {gamma.data(), beta.data(), mean.data(), var.data()});
  }
  return {std::move(weight), std::move(bias)};
}

const char* node_kind(const Node& node) {
  return std::visit(Overloaded{
                        [](const ConvParams&) { return "conv"; },
                        [](const MaxPoolParams&) { return "max_pool"; },
                        [](const ResizeParams&) { return "resize"; },
                        [](const ConcatParams&) { return "concat"; },
                        [](const SmoothingParams&) { return "smoothing"; },
                        [](const AddParams&) { return "add"; },
                        [](const GlobalPoolParams&) { return "global_pool"; },
                        [](const LinearParams&) { return "linear"; },
                        [](const QuantizeParams&) { return "quantize"; },
                    },
                    node.params);
}

std::vector<Dims> infer_dims(const Graph& graph, Dims input) {
  std::vector<Dims> dims(std::size_t(graph.value_count()));
  dims[std::size_t(graph.input)] = input;
  auto at = [&](ValueId v) { return dims[std::size_t(v)]; };
  for (const Node& node : graph.nodes) {
    const Dims first = at(node.inputs.front());
    Dims out = std::visit(
        Overloaded{
            [&](const ConvParams& p) { return ops::conv_output_dims(p.shape, first); },
            [&](const MaxPoolParams& p) { return ops::max_pool_output_dims(p.shape, first); },
            [&](const ResizeParams&) { return Dims{first.c, at(node.shape_of).h, at(node.shape_of).w}; },
            [&](const ConcatParams&) {
              Dims d = first;
              d.c = 0;
              for (ValueId v : node.inputs) d.c += at(v).c;
              return d;
            },
            [&](const SmoothingParams&) { return ops::smoothing_output_dims(first); },
            [&](const AddParams&) { return first; },
            [&](const GlobalPoolParams&) { return Dims{first.c, 1, 1}; },
            [&](const LinearParams& p) { return Dims{p.out_features, 1, 1}; },
            [&](const QuantizeParams&) { return first; },
        },
        node.params);
    dims[std::size_t(node.output)] = out;
  }
  // Operands that must agree (residuals, additions, concatenation) agree by construction
  // for every input size; a mismatch is a bug in the builder, not in the input.
  for (const Node& node : graph.nodes) {
    const Dims out = at(node.output);
    const bool concat = std::holds_alternative<ConcatParams>(node.params);
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
      const bool operand = i > 0 || concat;  // the first input of a conv, pool or resize has its own size
      const Dims d = at(node.inputs[i]);
      if (operand && (d.h != out.h || d.w != out.w))
        throw_internal(node.name + ": operand " + d.str() + " does not match " + out.str());
    }
  }
  return dims;
}

double node_flops(const Node& node, Dims out) {
  if (const auto* c = std::get_if<ConvParams>(&node.params))
    return 2.0 * double(out.size()) * c->shape.in_channels * c->shape.kernel_h * c->shape.kernel_w;
  if (const auto* l = std::get_if<LinearParams>(&node.params)) return 2.0 * l->in_features * l->out_features;
  return double(out.size());
}

double graph_flops(const Graph& graph, const std::vector<Dims>& dims) {
  double flops = 0;
  for (const Node& node : graph.nodes) flops += node_flops(node, dims[std::size_t(node.output)]);
  return flops;
}

std::vector<TensorSpec> required_tensors(const Graph& graph) {
  std::vector<TensorSpec> specs;
  for (const Node& node : graph.nodes) {
    const auto* c = std::get_if<ConvParams>(&node.params);
    if (c && graph.quantized()) {
      const ops::ConvShape& s = c->shape;
      specs.push_back({qweight_key(node), {s.out_channels, s.in_channels, s.kernel_h, s.kernel_w}, DType::i8});
      specs.push_back({weight_scale_key(node), {s.out_channels}});
      specs.push_back({qbias_key(node), {s.out_channels}});
    } else if (c) {
      const ops::ConvShape& s = c->shape;
      specs.push_back({c->weight, {s.out_channels, s.in_channels, s.kernel_h, s.kernel_w}});
      if (!c->bias.empty()) specs.push_back({c->bias, {s.out_channels}});
      if (!c->batchnorm.empty())
        for (const char* field : {".weight", ".bias", ".running_mean", ".running_var"})
          specs.push_back({c->batchnorm + field, {s.out_channels}});
    } else if (const auto* sm = std::get_if<SmoothingParams>(&node.params)) {
      specs.push_back({sm->weight, {3, 1, ops::kSmoothingTaps, ops::kSmoothingTaps}});
    } else if (const auto* l = std::get_if<LinearParams>(&node.params)) {
      specs.push_back({l->weight, {l->out_features, l->in_features}});
      specs.push_back({l->bias, {l->out_features}});
    }
  }
  for (ValueId v : u8_values(graph)) {
    specs.push_back({quant_scale_key(graph, v), {1}});
    specs.push_back({quant_zero_point_key(graph, v), {1}, DType::u8});
  }
  return specs;
}

std::vector<std::string> ignored_tensors(const Graph& graph, const ModelConfig& config) {
  std::vector<std::string> names;
  if (graph.quantized()) return names;  // ffnet-quantize writes only what the int8 graph reads
  for (const Node& node : graph.nodes)
    if (const auto* c = std::get_if<ConvParams>(&node.params); c && !c->batchnorm.empty())
      names.push_back(c->batchnorm + ".num_batches_tracked");
  if (config.mobile && !config.pre_down) names.push_back("smoothing.weight");
  return names;
}

std::unique_ptr<ops::Op> make_node_op(const Node& node, const NodeContext& context) {
  const Graph& graph = context.graph;
  const weights::SafetensorsFile& file = context.file;
  const ops::OpConfig& config = context.config;
  const DType in_type = graph.dtype(node.inputs.front());
  auto quant = [&](ValueId v) { return graph.value_quant[std::size_t(v)]; };
  const bool int8 = graph.quantized() && in_type == DType::u8;
  return std::visit(
      Overloaded{
          [&](const ConvParams& p) {
            const bool residual = node.inputs.size() == 2;
            if (int8) {
              const Tensor weight = file.read(*file.find(qweight_key(node)));
              const Tensor scale = read_finite(file, weight_scale_key(node)), bias = read_finite(file, qbias_key(node));
              const bool float_output = graph.dtype(node.output) == DType::f32;
              const ops::Qu8ConvSpec spec{.shape = p.shape,
                                          .residual = residual,
                                          .relu = p.relu,
                                          .input = quant(node.inputs[0]),
                                          .residual_params = residual ? quant(node.inputs[1]) : QuantParams{},
                                          .output = float_output ? QuantParams{} : quant(node.output),
                                          .float_output = float_output};
              return ops::make_qu8_conv(spec, {weight.data_as<std::int8_t>(), weight.size()}, values(scale),
                                        values(bias), config);
            }
            auto [weight, bias] = folded_conv_weights(file, p);
            const ops::ConvSpec spec{
                .shape = p.shape,
                .residual = residual,
                .relu = p.relu,
                .winograd_weights = context.natural[std::size_t(node.output)].plane() >= kWinogradWeightsMinPixels};
            return ops::make_conv(spec, values(weight), values(bias), config);
          },
          [&](const MaxPoolParams& p) { return ops::make_max_pool(p.shape, config, in_type); },
          [&](const ResizeParams& p) {
            if (!int8) return ops::make_resize(p.mode, config);
            const std::optional<QuantParams> add =
                node.inputs.size() == 2 ? std::optional<QuantParams>(quant(node.inputs[1])) : std::nullopt;
            return ops::make_qu8_resize(p.mode, quant(node.inputs[0]), add, quant(node.output), config);
          },
          [&](const ConcatParams&) { return ops::make_concat(config, in_type); },
          [&](const SmoothingParams& p) {
            const Tensor weight = read_finite(file, p.weight);
            return ops::make_pre_down_smooth(values(weight), int(weight.shape()[0]), config);
          },
          [&](const AddParams&) {
            if (!int8) return ops::make_add(config);
            return ops::make_qu8_add(quant(node.inputs[0]), quant(node.inputs[1]), quant(node.output), config);
          },
          [&](const GlobalPoolParams&) {
            return ops::make_global_average_pool(config, in_type, int8 ? quant(node.inputs[0]) : QuantParams{});
          },
          [&](const LinearParams& p) {
            const Tensor weight = read_finite(file, p.weight), bias = read_finite(file, p.bias);
            return ops::make_linear(values(weight), values(bias), p.in_features, p.out_features, config);
          },
          [&](const QuantizeParams&) { return ops::make_quantize(quant(node.output), config); },
      },
      node.params);
}

}  // namespace ffnet
