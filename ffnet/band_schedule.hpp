#pragma once
// Band-wise execution of the network's first convolution and its only consumer (the stem's
// max-pool, or its second, stride-2 convolution). The first convolution's output is the
// largest map of every FFNet (64 x H/2 x W/2 floats: 134 MB at 1024x2048); run band by band,
// only a few of its rows exist at any time, and they are still in cache when consumed.
#include <cstddef>
#include <optional>
#include <vector>

#include "ffnet/graph.hpp"

namespace ffnet {

struct BandedPair {
  std::size_t producer = 0;  // node index: a convolution on the exact path, no residual
  std::size_t consumer = 0;  // producer + 1: the only reader of the producer's output
  // The consumer's window over the producer's output rows.
  int kernel = 1;
  int stride = 1;
  int pad = 0;
};

// The graph's first convolution and its consumer, when they can run in bands: the producer
// reads the network input (or the pre-down smoothing of it); `exact_conv[i]` says node i is a
// convolution that runs the exact GEMM path (Winograd and the reference ops do not band); the
// consumer is a max-pool or such a convolution, without residual, and is the value's only
// reader.
std::optional<BandedPair> find_banded_pair(const Graph& graph, const std::vector<bool>& exact_conv);

struct BandGeometry {
  int consumer_rows = 0;  // output rows of the consumer per band
  int buffer_rows = 0;    // rows of the producer's output held at a time
};

// Bands of about `band_bytes` of the producer's output `mid` (whole rows, at least one
// consumer row per band), for a consumer output `consumer_height` rows high. The default
// kBandBytes is big enough for efficient GEMMs and small enough to stay in cache.
inline constexpr std::size_t kBandBytes = std::size_t{2} << 20;
BandGeometry band_geometry(const BandedPair& pair, Dims mid, int consumer_height,
                           std::size_t band_bytes = kBandBytes);

}  // namespace ffnet
