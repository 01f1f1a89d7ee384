#include "ffnet/quantized_graph.hpp"

#include <numeric>

namespace ffnet {
namespace {

// Nodes whose inputs and outputs are u8 in an int8 graph.
bool is_int8_node(const Node& node) {
  return std::holds_alternative<ConvParams>(node.params) || std::holds_alternative<MaxPoolParams>(node.params) ||
         std::holds_alternative<ResizeParams>(node.params) || std::holds_alternative<ConcatParams>(node.params) ||
         std::holds_alternative<AddParams>(node.params);
}

ValueId find_root(std::vector<ValueId>& parent, ValueId v) {
  while (parent[std::size_t(v)] != v) v = parent[std::size_t(v)] = parent[std::size_t(parent[std::size_t(v)])];
  return v;
}

}  // namespace

Graph quantized_graph(const Graph& graph) {
  Graph q;
  q.value_names = graph.value_names;
  q.input = graph.input;
  q.output = graph.output;
  q.value_dtypes.assign(graph.value_names.size(), DType::f32);
  for (const Node& node : graph.nodes)
    if (is_int8_node(node) && node.output != graph.output) q.value_dtypes[std::size_t(node.output)] = DType::u8;
  // The u8 copy of each float value an int8 node reads, made right after the value is.
  std::vector<ValueId> u8_copy(graph.value_names.size(), kNoValue);
  for (const Node& node : graph.nodes)
    if (is_int8_node(node))
      for (ValueId v : node.inputs)
        if (q.value_dtypes[std::size_t(v)] == DType::f32 && u8_copy[std::size_t(v)] == kNoValue) {
          u8_copy[std::size_t(v)] = q.value_count();
          q.value_names.push_back(graph.value_names[std::size_t(v)] + ".u8");
          q.value_dtypes.push_back(DType::u8);
        }
  auto quantize_node = [&](ValueId v) {
    return Node{.name = graph.value_names[std::size_t(v)] + ".quantize", .params = QuantizeParams{}, .inputs = {v},
                .output = u8_copy[std::size_t(v)]};
  };
  if (u8_copy[std::size_t(graph.input)] != kNoValue) q.nodes.push_back(quantize_node(graph.input));
  for (const Node& node : graph.nodes) {
    Node copy = node;
    if (is_int8_node(node))
      for (ValueId& v : copy.inputs)
        if (u8_copy[std::size_t(v)] != kNoValue) v = u8_copy[std::size_t(v)];
    q.nodes.push_back(std::move(copy));
    if (u8_copy[std::size_t(node.output)] != kNoValue) q.nodes.push_back(quantize_node(node.output));
  }
  q.value_quant.assign(q.value_names.size(), QuantParams{});
  return q;
}

std::vector<ValueId> u8_values(const Graph& graph) {
  std::vector<ValueId> values;
  for (ValueId v = 0; v < graph.value_count(); ++v)
    if (graph.dtype(v) == DType::u8) values.push_back(v);
  return values;
}

std::string quant_scale_key(const Graph& graph, ValueId v) {
  return "quant." + graph.value_names[std::size_t(v)] + ".scale";
}
std::string quant_zero_point_key(const Graph& graph, ValueId v) {
  return "quant." + graph.value_names[std::size_t(v)] + ".zero_point";
}

std::string qweight_key(const Node& node) { return node.name + ".qweight"; }
std::string weight_scale_key(const Node& node) { return node.name + ".weight_scale"; }
std::string qbias_key(const Node& node) { return node.name + ".qbias"; }

std::vector<ValueId> shared_quant_classes(const Graph& graph) {
  std::vector<ValueId> parent(graph.value_names.size());
  std::iota(parent.begin(), parent.end(), 0);
  auto join = [&](ValueId a, ValueId b) {
    const ValueId ra = find_root(parent, a), rb = find_root(parent, b);
    if (ra != rb) parent[std::size_t(std::max(ra, rb))] = std::min(ra, rb);
  };
  for (const Node& node : graph.nodes)
    if (std::holds_alternative<ConcatParams>(node.params) || std::holds_alternative<MaxPoolParams>(node.params))
      for (ValueId v : node.inputs) join(v, node.output);
  std::vector<ValueId> classes(parent.size());
  for (ValueId v = 0; v < ValueId(parent.size()); ++v) classes[std::size_t(v)] = find_root(parent, v);
  return classes;
}

}  // namespace ffnet
