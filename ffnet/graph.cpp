// What each kind of node means for the graph: its name, output size, work and checkpoint
// tensors. (How each becomes an op: node_ops.cpp.)
#include "ffnet/graph.hpp"

#include "ffnet/core/error.hpp"
#include "ffnet/overloaded.hpp"
#include "ops/smoothing.hpp"

namespace ffnet {

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
    if (const auto* c = std::get_if<ConvParams>(&node.params)) {
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
  return specs;
}

std::vector<std::string> ignored_tensors(const Graph& graph, const ModelConfig& config) {
  std::vector<std::string> names;
  for (const Node& node : graph.nodes)
    if (const auto* c = std::get_if<ConvParams>(&node.params); c && !c->batchnorm.empty())
      names.push_back(c->batchnorm + ".num_batches_tracked");
  if (config.mobile && !config.pre_down) names.push_back("smoothing.weight");
  return names;
}

}  // namespace ffnet
