#pragma once
// Band-wise execution of a producer and its only consumer, so that the producer's output never
// exists whole: only a few of its rows at a time, still in cache when consumed. Two pairs
// qualify in FFNet:
// - the first convolution and its consumer (the stem's max-pool, or its second, stride-2
//   convolution): the first convolution's output is the largest map of every FFNet
//   (64 x H/2 x W/2 floats: 134 MB at 1024x2048);
// - the segmentation head's last two convolutions: the first one's output (up to 256 x H/8 x
//   W/8) would otherwise live beside the concatenated features it reads.
#include <cstddef>
#include <vector>

#include "ffnet/core/tensor.hpp"
#include "ffnet/graph.hpp"
#include "ops/band.hpp"

namespace ffnet {

struct BandedPair {
  std::size_t producer = 0;  // node index: one input, no other reader of its output than...
  std::size_t consumer = 0;  // producer + 1: one input, the producer's output
};

// The pairs above that the graph has: the first node whose op runs in bands (FFNet's first
// convolution) with its successor, and the node making the graph's output with the one before
// it. `runs_in_bands[i]` says node i's op can (the reference ops cannot). A producer has one
// input and its output is read by its consumer alone, which has one input too.
std::vector<BandedPair> find_banded_pairs(const Graph& graph, const std::vector<bool>& runs_in_bands);

// One band: the consumer's output rows, the producer's rows they read, the producer's rows
// computed for this band (possibly none), and the producer's rows in the buffer while the
// consumer runs (held.first at buffer row 0; rows kept from the previous band moved there).
struct BandStep {
  ops::RowRange rows;
  ops::RowRange need;
  ops::RowRange fresh;
  ops::RowRange held;
};

struct BandPlan {
  int buffer_rows = 0;  // rows of the producer's output held at a time
  std::vector<BandStep> steps;
};

// Bands of about `band_bytes` of the producer's output `mid` (whole rows, at least one
// aligned consumer row per band), for a consumer output `consumer_height` rows high; 4x that
// when either side needs aligned bands (Winograd). The windows are the ops' (for their plans);
// the consumer's is its window over the producer's output rows.
BandPlan plan_bands(const ops::BandWindow& producer, const ops::BandWindow& consumer, Dims mid, int consumer_height,
                    std::size_t band_bytes);

}  // namespace ffnet
