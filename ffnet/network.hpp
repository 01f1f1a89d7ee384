#pragma once
// A loaded FFNet model: weights validated against the architecture, batch norm folded and
// kernels' panels packed once at load. forward() is const and thread-safe; every mutable
// buffer lives in the caller's Workspace.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ffnet/band_schedule.hpp"
#include "ffnet/graph.hpp"
#include "ffnet/core/memory_limit.hpp"
#include "ffnet/memory_plan.hpp"
#include "ffnet/model_config.hpp"
#include "ffnet/core/tensor.hpp"
#include "ops/cpu_features.hpp"

namespace ffnet {

namespace weights {
class SafetensorsFile;
}

struct LoadOptions {
  std::string model;              // overrides the model name in the file's metadata
  std::optional<ops::Isa> isa;    // kernel family; default: the best this CPU supports
  bool reference_ops = false;     // run every op through the naive reference (slow; for tests)
  // Winograd F(4x4, 3x3) for the stride-1 3x3 convolutions whose output has at least 32x64
  // pixels at the model's natural input size (smaller maps have few pixels per weight: not
  // worth 4x their weight memory).
  // Off: every convolution exact (sums in the same order as the reference within ~1e-7).
  bool winograd = true;
  // The first convolution and its consumer, and the head's last two convolutions, run band by
  // band, so that the first one's output never exists whole; see band_schedule.hpp.
  // Results are bit-identical for any value. band_bytes is the producer's output held per band
  // (rounded to whole rows, at least one consumer row); 0: whole maps, no bands.
  std::size_t band_bytes = kBandBytes;
};

// What a Workspace observer sees after each node (profiling, tests).
struct NodeEvent {
  const Node& node;
  const std::string& value_name;  // the node's output value
  // The output; data is null for a value that never exists whole (LoadOptions::band_bytes).
  ConstView output;
  double milliseconds;
  int image;  // index in the batch
};

// Scratch and activation memory for running a Network; reused across calls (no allocation
// after the first call for a given input size). One Workspace per concurrent caller.
class Workspace {
 public:
  explicit Workspace(int threads = 0) { set_threads(threads); }
  int threads() const { return threads_; }
  void set_threads(int threads);  // 0: every core the process may use

  std::function<void(const NodeEvent&)> observer;  // optional
  // The most bytes of activations and scratch one forward may need; a larger input is refused
  // with ffnet::Error(input) before anything is allocated. Default: 3/4 of physical memory.
  std::size_t memory_limit = default_memory_limit();
  // Refuse an input holding NaN or infinity with ffnet::Error(input) naming the first such
  // element (one pass over the input). Off: NaN propagates as in PyTorch (ReLU and max pooling
  // pass it on), but not to the same elements: Winograd spreads a NaN input over whole 4x4
  // output tiles, where exact convolutions spread it over their 3x3 windows only.
  bool check_finite_input = true;

  std::size_t arena_bytes() const { return arena_.size() * sizeof(float); }
  std::size_t scratch_bytes() const { return scratch_.size() * sizeof(float); }

 private:
  friend class Network;
  // Set while a forward runs on this workspace: a second forward at the same time (another
  // thread, or the observer) is refused instead of racing on the buffers.
  struct InUse {
    std::atomic<bool> flag{false};
    InUse() = default;
    InUse(InUse&&) noexcept {}
    InUse& operator=(InUse&&) noexcept { return *this; }
  };

  int threads_ = 1;
  InUse in_use_;
  std::uint64_t planned_for_ = 0;  // Network::id() of the network whose plan is cached
  Dims planned_dims_;
  int planned_threads_ = 0;
  std::size_t planned_bytes_ = 0;  // activations + scratch of the cached plan
  std::vector<Dims> dims_;
  MemoryPlan plan_;
  std::vector<View> values_;  // per ValueId, for the image being run
  std::vector<BandPlan> band_plans_;  // per banded pair of the Network
  AlignedArray<float> arena_;
  AlignedArray<float> scratch_;
};

class Network {
 public:
  // Loads a safetensors file; the model name comes from its metadata unless options.model
  // gives one. Throws ffnet::Error naming the file and every problem found.
  static Network load(const std::string& path, const LoadOptions& options = {});
  static Network load(const weights::SafetensorsFile& file, const LoadOptions& options = {});

  Network(Network&&) noexcept;
  Network& operator=(Network&&) noexcept;
  ~Network();

  // A number no other load in this process has had (never 0), which a Workspace's cached plan
  // is keyed by: a network's address is not its identity (a network move-assigned into the same
  // variable, or loaded where a freed one lived, has another graph at the same address). A
  // network moved from has id 0 and refuses to run.
  std::uint64_t id() const { return id_.value; }

  const ModelConfig& config() const { return config_; }
  const Graph& graph() const { return graph_; }
  ops::Isa isa() const { return isa_; }
  bool uses_reference_ops() const { return reference_ops_; }
  // Bytes of parameters held for forward (packed convolution weights, biases, the rest).
  std::size_t weight_bytes() const;

  // Output shape for a float32 N x 3 x H x W input: [N, 19, h, w] or [N, 1000].
  std::vector<std::int64_t> output_shape(const std::vector<std::int64_t>& input_shape) const;

  // input: N x 3 x H x W float32, normalised (spec section 7). Any H, W the layers allow.
  Tensor forward(const Tensor& input, int threads = 0) const;
  void forward(const Tensor& input, Tensor& output, Workspace& workspace) const;

 private:
  struct NodeWeights;
  Network();
  void prepare(Workspace& ws, Dims input) const;
  void run_node(std::size_t index, Workspace& ws) const;
  void run_banded(const BandedPair& pair, const BandPlan& plan, Workspace& ws,
                  double* producer_ms, double* consumer_ms) const;
  void notify(std::size_t index, Workspace& ws, double ms, int image, bool whole = true) const;

  // Moves hand the id over and leave 0 behind.
  struct Id {
    std::uint64_t value = 0;
    Id() = default;
    Id(Id&& other) noexcept : value(other.value) { other.value = 0; }
    Id& operator=(Id&& other) noexcept {
      value = other.value;
      if (&other != this) other.value = 0;
      return *this;
    }
  };
  void check_loaded() const;

  Id id_;
  ModelConfig config_;
  Graph graph_;
  ops::Isa isa_ = ops::Isa::scalar;
  bool reference_ops_ = false;
  std::vector<NodeWeights> weights_;  // parallel to graph_.nodes
  std::vector<BandedPair> bands_;  // in node order
  std::size_t band_bytes_ = 0;
};

}  // namespace ffnet
