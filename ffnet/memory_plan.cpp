#include "ffnet/memory_plan.hpp"

#include <algorithm>
#include <numeric>

namespace ffnet {

MemoryPlan plan_memory(const Graph& graph, const std::vector<Dims>& dims,
                       const std::vector<NodeRange>& interleaved) {
  const std::size_t values = std::size_t(graph.value_count());
  constexpr std::size_t kAlign = 16;  // floats
  std::vector<int> first(values, -1), last(values, -1);
  for (int i = 0; i < int(graph.nodes.size()); ++i) {
    ValueId out = node_output(graph.nodes[std::size_t(i)]);
    first[std::size_t(out)] = i;
    last[std::size_t(out)] = std::max(last[std::size_t(out)], i);
    for (ValueId v : node_inputs(graph.nodes[std::size_t(i)])) last[std::size_t(v)] = i;
  }
  for (const NodeRange& range : interleaved)
    for (int i = range.first; i <= range.last; ++i) {
      std::vector<ValueId> touched = node_inputs(graph.nodes[std::size_t(i)]);
      touched.push_back(node_output(graph.nodes[std::size_t(i)]));
      for (ValueId v : touched) {
        first[std::size_t(v)] = std::min(first[std::size_t(v)] < 0 ? range.first : first[std::size_t(v)], range.first);
        last[std::size_t(v)] = std::max(last[std::size_t(v)], range.last);
      }
    }

  MemoryPlan plan;
  plan.offsets.assign(values, kNotInArena);
  std::vector<std::size_t> size(values, 0);
  std::vector<std::size_t> order;
  for (std::size_t v = 0; v < values; ++v) {
    if (ValueId(v) == graph.input || ValueId(v) == graph.output || first[v] < 0) continue;
    size[v] = (dims[v].size() + kAlign - 1) / kAlign * kAlign;
    plan.naive_floats += size[v];
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
    plan.arena_floats = std::max(plan.arena_floats, offset + size[v]);
    placed.push_back(v);
  }
  return plan;
}

}  // namespace ffnet
