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

#include "ffnet/graph.hpp"
#include "ops/band.hpp"

namespace ffnet {

struct BandedPair {
  std::size_t producer = 0;  // node index: a convolution without residual
  std::size_t consumer = 0;  // producer + 1: the only reader of the producer's output
  // The consumer's window over the producer's output rows.
  int kernel = 1;
  int stride = 1;
  int pad = 0;
  // Bands start on multiples of these output rows (4 for Winograd's tiles, else 1); an
  // aligned consumer reads the window of its whole aligned rows.
  int producer_alignment = 1;
  int consumer_alignment = 1;
};

// The pairs above that the graph has. `bandable_conv[i]` says node i is a convolution that
// can run in bands (the reference ops cannot); `winograd_conv[i]` that it runs Winograd. A
// producer has no residual and its output is read by its consumer alone; a consumer is a
// max-pool or a square convolution without residual.
std::vector<BandedPair> find_banded_pairs(const Graph& graph,
                                          const std::vector<bool>& bandable_conv,
                                          const std::vector<bool>& winograd_conv);

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
// when either side runs Winograd. The default kBandBytes is big enough for efficient GEMMs
// and small enough to stay in cache.
inline constexpr std::size_t kBandBytes = std::size_t{2} << 20;
BandPlan plan_bands(const BandedPair& pair, Dims mid, int consumer_height,
                    std::size_t band_bytes = kBandBytes);

}  // namespace ffnet
