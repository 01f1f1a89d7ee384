#pragma once
// The insides of Network and Workspace, shared by network.cpp (loading) and network_run.cpp
// (planning and running).
#include <memory>
#include <vector>

#include "ffnet/band_schedule.hpp"
#include "ffnet/graph.hpp"
#include "ffnet/memory_plan.hpp"
#include "ffnet/network.hpp"
#include "ops/op.hpp"

namespace ffnet {

struct Network::Impl {
  std::uint64_t id = 0;
  ModelConfig config;
  Graph graph;
  ops::Isa isa;
  std::unique_ptr<ops::WeightBudget> winograd_budget;  // shared by the convolutions
  std::vector<std::unique_ptr<ops::Op>> ops;           // per node
  std::vector<BandedPair> bands;                       // in node order
  std::size_t band_bytes = 0;
};

// What a Workspace holds for the network, input size and thread count it last planned for.
struct Workspace::State {
  std::uint64_t planned_for = 0;  // Network::id(); 0: nothing planned
  Dims planned_dims;
  int planned_threads = 0;
  std::size_t planned_bytes = 0;  // activations + scratch

  std::vector<Dims> dims;                           // per value, whole maps
  std::vector<std::unique_ptr<ops::OpPlan>> plans;  // per node
  std::vector<BandPlan> band_plans;                 // per banded pair of the network
  MemoryPlan memory;
  std::vector<AnyView> values;  // per value, for the image being run (banded values: their buffer)
  std::vector<AnyView> inputs;  // the running node's inputs (capacity for the widest node)
  AlignedBuffer arena;
  AlignedBuffer scratch;
};

}  // namespace ffnet
