#include "ffnet/memory_plan.hpp"

#include <algorithm>
#include <numeric>

namespace ffnet {

namespace {

// Whether every input of `concat` can be written straight into its slice of the
// output: each is made by some node, read by this concat alone, once, and spans the output's
// whole planes; the output is an arena value.
bool concat_can_alias(const Graph& graph, const ConcatNode& concat, const std::vector<Dims>& dims,
                      const std::vector<int>& readers) {
  if (concat.output == graph.output) return false;
  const Dims out = dims[std::size_t(concat.output)];
  for (ValueId v : concat.inputs) {
    const Dims d = dims[std::size_t(v)];
    if (v == graph.input || v == graph.output || readers[std::size_t(v)] != 1 || d.h != out.h || d.w != out.w)
      return false;
    if (std::count(concat.inputs.begin(), concat.inputs.end(), v) != 1) return false;
  }
  return true;
}

// How many nodes read each value's data (a resize's size_of reference only reads its shape).
std::vector<int> data_readers(const Graph& graph) {
  std::vector<int> readers(std::size_t(graph.value_count()), 0);
  for (const Node& node : graph.nodes) {
    std::vector<ValueId> inputs = node_inputs(node);
    if (const auto* resize = std::get_if<ResizeNode>(&node))
      inputs = {resize->input, resize->add};
    for (ValueId v : inputs)
      if (v != kNoValue) ++readers[std::size_t(v)];
  }
  return readers;
}

}  // namespace

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
  const std::vector<int> readers = data_readers(graph);
  MemoryPlan plan;
  plan.concat_in_place.assign(graph.nodes.size(), false);
  // In-place concats: the inputs become slices of the output, which lives from the first
  // input's producer on; they take no memory of their own.
  std::vector<bool> slice(values, false);
  for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
    const auto* concat = std::get_if<ConcatNode>(&graph.nodes[i]);
    if (concat == nullptr || !concat_can_alias(graph, *concat, dims, readers)) continue;
    plan.concat_in_place[i] = true;
    for (ValueId v : concat->inputs) {
      slice[std::size_t(v)] = true;
      first[std::size_t(concat->output)] = std::min(first[std::size_t(concat->output)], first[std::size_t(v)]);
    }
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

  plan.offsets.assign(values, kNotInArena);
  std::vector<std::size_t> size(values, 0);
  std::vector<std::size_t> order;
  for (std::size_t v = 0; v < values; ++v) {
    if (ValueId(v) == graph.input || ValueId(v) == graph.output || first[v] < 0 || slice[v]) continue;
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
  for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
    if (!plan.concat_in_place[i]) continue;
    const auto& concat = std::get<ConcatNode>(graph.nodes[i]);
    std::size_t offset = plan.offsets[std::size_t(concat.output)];
    for (ValueId v : concat.inputs) {
      plan.offsets[std::size_t(v)] = offset;
      offset += dims[std::size_t(v)].size();
    }
  }
  return plan;
}

}  // namespace ffnet
