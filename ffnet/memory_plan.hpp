#pragma once
// Activation memory planned over the whole graph: every intermediate value gets an offset in
// one arena, and values whose lifetimes do not overlap share memory.
#include <cstddef>
#include <vector>

#include "ffnet/graph.hpp"

namespace ffnet {

inline constexpr std::size_t kNotInArena = ~std::size_t{0};

struct MemoryPlan {
  std::vector<std::size_t> offsets;  // bytes, per ValueId; kNotInArena for input and output
  std::size_t arena_bytes = 0;
  // Per node: a concat whose inputs were planned as slices of its output (nothing to run).
  std::vector<bool> concat_in_place;
};

// Values live from the node that produces them to the last node that reads them. Offsets are
// assigned greedily, largest first, at the lowest 64-byte-aligned offset that does not
// overlap a placed value with an overlapping lifetime. A channel concat whose inputs are each
// read by it alone gets them planned as consecutive slices of its output: producers write in
// place and the concat copies nothing.
// `dims` and `dtypes` give each value's size as stored (a banded value: its band buffer).
// `interleaved` lists ranges of nodes [first, last] that run interleaved (band by band): every
// value one of them reads or writes lives through the whole range.
struct NodeRange {
  int first;
  int last;
};
MemoryPlan plan_memory(const Graph& graph, const std::vector<Dims>& dims, const std::vector<DType>& dtypes,
                       const std::vector<NodeRange>& interleaved = {});

}  // namespace ffnet
