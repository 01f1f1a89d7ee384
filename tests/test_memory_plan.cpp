// The activation memory plan: in-place channel concats (the inputs planned as slices of the
// output) where that is safe, and copies where an input has another reader.
#include <doctest/doctest.h>

#include "ffnet/graph.hpp"
#include "ffnet/memory_plan.hpp"
#include "ffnet/model_config.hpp"

namespace {

using namespace ffnet;

std::size_t concat_index(const Graph& graph) {
  for (std::size_t i = 0; i < graph.nodes.size(); ++i)
    if (std::holds_alternative<ConcatParams>(graph.nodes[i].params)) return i;
  FAIL("no concat in the graph");
  return 0;
}

}  // namespace

TEST_CASE("the segmentation head's concat is planned in place: its inputs are slices of its output") {
  const Graph graph = build_graph(model_config("segmentation_ffnet122NS_CCC_mobile"));
  const std::vector<Dims> dims = infer_dims(graph, {3, 512, 1024});
  const MemoryPlan plan = plan_memory(graph, dims, std::vector<DType>(dims.size(), DType::f32));
  const std::size_t index = concat_index(graph);
  REQUIRE(plan.concat_in_place[index]);
  const Node& concat = graph.nodes[index];
  std::size_t offset = plan.offsets[std::size_t(concat.output)];
  REQUIRE(offset != kNotInArena);
  for (ValueId v : concat.inputs) {
    CHECK(plan.offsets[std::size_t(v)] == offset);
    offset += dims[std::size_t(v)].size() * sizeof(float);
  }
  CHECK(offset == plan.offsets[std::size_t(concat.output)] + dims[std::size_t(concat.output)].size() * sizeof(float));
  CHECK(offset <= plan.arena_bytes);
}

TEST_CASE("a concat input with another reader is copied, not aliased") {
  // input -> a (conv) -> concat(a, b) ; a -> b (conv) ; concat -> output (conv)
  Graph g;
  g.value_names = {"input", "a", "b", "cat", "output"};
  g.input = 0;
  g.output = 4;
  auto conv = [](ops::ConvShape shape) { return ConvParams{.shape = shape}; };
  g.nodes.push_back({.name = "conv_a", .params = conv({3, 4, 1, 1, 1, 0}), .inputs = {0}, .output = 1});
  g.nodes.push_back({.name = "conv_b", .params = conv({4, 4, 1, 1, 1, 0}), .inputs = {1}, .output = 2});
  g.nodes.push_back({.name = "cat", .params = ConcatParams{}, .inputs = {1, 2}, .output = 3});
  g.nodes.push_back({.name = "conv_out", .params = conv({8, 4, 1, 1, 1, 0}), .inputs = {3}, .output = 4});
  const std::vector<Dims> dims = infer_dims(g, {3, 8, 8});
  const MemoryPlan plan = plan_memory(g, dims, std::vector<DType>(dims.size(), DType::f32));
  CHECK_FALSE(plan.concat_in_place[2]);
  // Every value has memory of its own: a and b are alive together, and both with cat.
  const std::size_t a = plan.offsets[1], b = plan.offsets[2], cat = plan.offsets[3];
  const std::size_t plane = 64 * sizeof(float);
  CHECK((a + 4 * plane <= b || b + 4 * plane <= a));
  CHECK((a + 4 * plane <= cat || cat + 8 * plane <= a));
  CHECK((b + 4 * plane <= cat || cat + 8 * plane <= b));
}
