#include "ffnet/graph.hpp"

#include "ffnet/core/error.hpp"
#include "ffnet/overloaded.hpp"
#include "ops/smoothing.hpp"

namespace ffnet {

ValueId Graph::find_value(const std::string& name) const {
  for (ValueId v = 0; v < value_count(); ++v)
    if (value_names[std::size_t(v)] == name) return v;
  return kNoValue;
}

std::vector<ValueId> node_inputs(const Node& node) {
  return std::visit(
      Overloaded{
          [](const ConvNode& n) {
            return n.residual == kNoValue ? std::vector<ValueId>{n.input}
                                          : std::vector<ValueId>{n.input, n.residual};
          },
          [](const ResizeNode& n) {
            std::vector<ValueId> in{n.input, n.size_of};
            if (n.add != kNoValue) in.push_back(n.add);
            return in;
          },
          [](const ConcatNode& n) { return n.inputs; },
          [](const AddNode& n) { return std::vector<ValueId>{n.a, n.b}; },
          [](const auto& n) { return std::vector<ValueId>{n.input}; },
      },
      node);
}

ValueId node_output(const Node& node) {
  return std::visit([](const auto& n) { return n.output; }, node);
}

const std::string& node_name(const Node& node) {
  return std::visit([](const auto& n) -> const std::string& { return n.name; }, node);
}

const char* node_kind(const Node& node) {
  return std::visit(Overloaded{
                        [](const ConvNode&) { return "conv"; },
                        [](const MaxPoolNode&) { return "max_pool"; },
                        [](const ResizeNode&) { return "resize"; },
                        [](const ConcatNode&) { return "concat"; },
                        [](const SmoothingNode&) { return "smoothing"; },
                        [](const AddNode&) { return "add"; },
                        [](const GlobalPoolNode&) { return "global_pool"; },
                        [](const LinearNode&) { return "linear"; },
                    },
                    node);
}

std::vector<Dims> infer_dims(const Graph& graph, Dims input) {
  std::vector<Dims> dims(std::size_t(graph.value_count()));
  dims[std::size_t(graph.input)] = input;
  auto at = [&](ValueId v) { return dims[std::size_t(v)]; };
  for (const Node& node : graph.nodes) {
    Dims out = std::visit(
        Overloaded{
            [&](const ConvNode& n) { return ops::conv_output_dims(n.shape, at(n.input)); },
            [&](const MaxPoolNode& n) { return ops::max_pool_output_dims(n.shape, at(n.input)); },
            [&](const ResizeNode& n) { return Dims{at(n.input).c, at(n.size_of).h, at(n.size_of).w}; },
            [&](const ConcatNode& n) {
              Dims d = at(n.inputs[0]);
              d.c = 0;
              for (ValueId v : n.inputs) d.c += at(v).c;
              return d;
            },
            [&](const SmoothingNode& n) { return ops::smoothing_output_dims(at(n.input)); },
            [&](const AddNode& n) { return at(n.a); },
            [&](const GlobalPoolNode& n) { return Dims{at(n.input).c, 1, 1}; },
            [&](const LinearNode& n) { return Dims{n.out_features, 1, 1}; },
        },
        node);
    dims[std::size_t(node_output(node))] = out;
  }
  // Operands that must agree (residuals, additions, concatenation) agree by construction
  // for every input size; a mismatch is a bug in the builder, not in the input.
  for (const Node& node : graph.nodes) {
    const Dims out = at(node_output(node));
    auto same_plane = [&](ValueId v) {
      if (at(v).h != out.h || at(v).w != out.w)
        throw_internal(node_name(node) + ": operand " + at(v).str() + " does not match " + out.str());
    };
    if (const auto* c = std::get_if<ConvNode>(&node); c && c->residual != kNoValue) same_plane(c->residual);
    if (const auto* r = std::get_if<ResizeNode>(&node); r && r->add != kNoValue) same_plane(r->add);
    if (const auto* a = std::get_if<AddNode>(&node)) same_plane(a->b);
    if (const auto* k = std::get_if<ConcatNode>(&node))
      for (ValueId v : k->inputs) same_plane(v);
  }
  return dims;
}

double node_flops(const Node& node, Dims out) {
  if (const auto* c = std::get_if<ConvNode>(&node))
    return 2.0 * double(out.size()) * c->shape.in_channels * c->shape.kernel_h * c->shape.kernel_w;
  if (const auto* l = std::get_if<LinearNode>(&node)) return 2.0 * l->in_features * l->out_features;
  return double(out.size());
}

std::vector<TensorSpec> required_tensors(const Graph& graph) {
  std::vector<TensorSpec> specs;
  for (const Node& node : graph.nodes) {
    if (const auto* c = std::get_if<ConvNode>(&node)) {
      const ops::ConvShape& s = c->shape;
      specs.push_back({c->params.weight, {s.out_channels, s.in_channels, s.kernel_h, s.kernel_w}});
      if (!c->params.bias.empty()) specs.push_back({c->params.bias, {s.out_channels}});
      if (!c->params.batchnorm.empty())
        for (const char* field : {".weight", ".bias", ".running_mean", ".running_var"})
          specs.push_back({c->params.batchnorm + field, {s.out_channels}});
    } else if (const auto* sm = std::get_if<SmoothingNode>(&node)) {
      specs.push_back({sm->weight, {3, 1, ops::kSmoothingTaps, ops::kSmoothingTaps}});
    } else if (const auto* l = std::get_if<LinearNode>(&node)) {
      specs.push_back({l->weight, {l->out_features, l->in_features}});
      specs.push_back({l->bias, {l->out_features}});
    }
  }
  return specs;
}

std::vector<std::string> ignored_tensors(const Graph& graph, const ModelConfig& config) {
  std::vector<std::string> names;
  for (const Node& node : graph.nodes)
    if (const auto* c = std::get_if<ConvNode>(&node); c && !c->params.batchnorm.empty())
      names.push_back(c->params.batchnorm + ".num_batches_tracked");
  if (config.mobile && !config.pre_down) names.push_back("smoothing.weight");
  return names;
}

double graph_flops(const Graph& graph, const std::vector<Dims>& dims) {
  double flops = 0;
  for (const Node& node : graph.nodes) flops += node_flops(node, dims[std::size_t(node_output(node))]);
  return flops;
}

}  // namespace ffnet
