#include "ffnet/node_ops.hpp"

#include <cmath>

#include "ffnet/core/error.hpp"
#include "ffnet/overloaded.hpp"
#include "ops/elementwise.hpp"
#include "ops/smoothing.hpp"
#include "weights/batchnorm.hpp"

namespace ffnet {
namespace {

std::span<const float> values(const Tensor& t) { return {t.data(), t.size()}; }

Tensor read_finite(const weights::SafetensorsFile& file, const std::string& name) {
  Tensor t = file.read_f32(*file.find(name));
  for (std::size_t i = 0; i < t.size(); ++i)
    if (!std::isfinite(t.data()[i]))
      throw_input(file.name() + ": tensor '" + name + "' contains non-finite values (NaN or infinity)");
  return t;
}

// The conv's weight and bias with its batch norm folded in.
std::pair<Tensor, Tensor> folded_conv(const weights::SafetensorsFile& file, const ConvParams& conv) {
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

}  // namespace

std::unique_ptr<ops::Op> make_node_op(const Node& node, const weights::SafetensorsFile& file,
                                      const ops::OpConfig& config) {
  return std::visit(
      Overloaded{
          [&](const ConvParams& p) {
            auto [weight, bias] = folded_conv(file, p);
            const ops::ConvSpec spec{.shape = p.shape, .residual = node.inputs.size() == 2, .relu = p.relu};
            return ops::make_conv(spec, values(weight), values(bias), config);
          },
          [&](const MaxPoolParams& p) { return ops::make_max_pool(p.shape, config); },
          [&](const ResizeParams& p) { return ops::make_resize(p.mode, config); },
          [&](const ConcatParams&) { return ops::make_concat(config); },
          [&](const SmoothingParams& p) {
            const Tensor weight = read_finite(file, p.weight);
            return ops::make_pre_down_smooth(values(weight), int(weight.shape()[0]), config);
          },
          [&](const AddParams&) { return ops::make_add(config); },
          [&](const GlobalPoolParams&) { return ops::make_global_average_pool(config); },
          [&](const LinearParams& p) {
            const Tensor weight = read_finite(file, p.weight), bias = read_finite(file, p.bias);
            return ops::make_linear(values(weight), values(bias), p.in_features, p.out_features, config);
          },
      },
      node.params);
}

}  // namespace ffnet
