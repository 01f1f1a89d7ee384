#include "ffnet/memory_plan.hpp"

#include <algorithm>

namespace ffnet {

namespace {

// Whether every input of the concat `node` can be written straight into its slice of the
// output: each is made by some node, read by this concat alone, once, spans the output's whole
// planes and has its type; the output is an arena value and channel-major (a float map: a u8 map
// is channels-last, where one input's channels are not one block of the output).
bool concat_can_alias(const Graph& graph, const Node& node, const std::vector<Dims>& dims,
                      const std::vector<DType>& dtypes, const std::vector<int>& readers) {
  if (node.output == graph.output || dtypes[std::size_t(node.output)] == DType::u8) return false;
  const Dims out = dims[std::size_t(node.output)];
  for (ValueId v : node.inputs) {
    const Dims d = dims[std::size_t(v)];
    if (v == graph.input || v == graph.output || readers[std::size_t(v)] != 1 || d.h != out.h || d.w != out.w ||
        dtypes[std::size_t(v)] != dtypes[std::size_t(node.output)])
      return false;
    if (std::count(node.inputs.begin(), node.inputs.end(), v) != 1) return false;
  }
  return true;
}

// How many nodes read each value's data (a resize's shape_of reference only reads its shape).
std::vector<int> data_readers(const Graph& graph) {
  std::vector<int> readers(std::size_t(graph.value_count()), 0);
  for (const Node& node : graph.nodes)
    for (ValueId v : node.inputs) ++readers[std::size_t(v)];
  return readers;
}

}  // namespace

MemoryPlan plan_memory(const Graph& graph, const std::vector<Dims>& dims, const std::vector<DType>& dtypes,
                       const std::vector<NodeRange>& interleaved) {
  const std::size_t values = std::size_t(graph.value_count());
  constexpr std::size_t kAlign = 64;  // bytes
  std::vector<int> first(values, -1), last(values, -1);
  for (int i = 0; i < int(graph.nodes.size()); ++i) {
    const Node& node = graph.nodes[std::size_t(i)];
    first[std::size_t(node.output)] = i;
    last[std::size_t(node.output)] = std::max(last[std::size_t(node.output)], i);
    for (ValueId v : node.inputs) last[std::size_t(v)] = i;  // a shape_of value's data is not read
  }
  const std::vector<int> readers = data_readers(graph);
  MemoryPlan plan;
  plan.concat_in_place.assign(graph.nodes.size(), false);
  // In-place concats: the inputs become slices of the output, which lives from the first
  // input's producer on; they take no memory of their own.
  std::vector<bool> slice(values, false);
  for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    if (!std::holds_alternative<ConcatParams>(node.params) || !concat_can_alias(graph, node, dims, dtypes, readers))
      continue;
    plan.concat_in_place[i] = true;
    for (ValueId v : node.inputs) {
      slice[std::size_t(v)] = true;
      first[std::size_t(node.output)] = std::min(first[std::size_t(node.output)], first[std::size_t(v)]);
    }
  }
  for (const NodeRange& range : interleaved)
    for (int i = range.first; i <= range.last; ++i) {
      const Node& node = graph.nodes[std::size_t(i)];
      std::vector<ValueId> touched = node.inputs;
      touched.push_back(node.output);
      for (ValueId v : touched) {
        first[std::size_t(v)] = std::min(first[std::size_t(v)] < 0 ? range.first : first[std::size_t(v)], range.first);
        last[std::size_t(v)] = std::max(last[std::size_t(v)], range.last);
      }
    }

  plan.offsets.assign(values, kNotInArena);
  std::vector<std::size_t> size(values, 0);
  std::vector<std::size_t> order;
  for (std::size_t v = 0; v < values; ++v) {
    if (ValueId(v) == graph.input || ValueId(v) == graph.output || first[v] < 0 || slice[v]) continue;
    size[v] = (dims[v].size() * dtype_size(dtypes[v]) + kAlign - 1) / kAlign * kAlign;
    order.push_back(v);
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return size[a] > size[b]; });

  std::vector<std::size_t> placed;
  for (std::size_t v : order) {
    // Intervals of memory taken by placed values alive at the same time, sorted by offset.
    std::vector<std::pair<std::size_t, std::size_t>> busy;
    for (std::size_t p : placed)
      if (first[p] <= last[v] && first[v] <= last[p]) busy.push_back({plan.offsets[p], plan.offsets[p] + size[p]});
    std::sort(busy.begin(), busy.end());
    std::size_t offset = 0;
    for (const auto& [begin, end] : busy) {
      if (offset + size[v] <= begin) break;
      offset = std::max(offset, end);
    }
    plan.offsets[v] = offset;
    plan.arena_bytes = std::max(plan.arena_bytes, offset + size[v]);
    placed.push_back(v);
  }
  for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
    if (!plan.concat_in_place[i]) continue;
    const Node& concat = graph.nodes[i];
    std::size_t offset = plan.offsets[std::size_t(concat.output)];
    for (ValueId v : concat.inputs) {
      plan.offsets[std::size_t(v)] = offset;
      offset += dims[std::size_t(v)].size() * dtype_size(dtypes[std::size_t(v)]);
    }
  }
  return plan;
}

}  // namespace ffnet
