#pragma once
// A loaded FFNet model: weights validated against the architecture, batch norm folded and the
// kernels' panels packed once at load. forward() is const and thread-safe; every mutable
// buffer lives in the caller's Workspace.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ffnet/core/conv_algorithm.hpp"
#include "ffnet/core/memory_limit.hpp"
#include "ffnet/core/tensor.hpp"
#include "ffnet/model_config.hpp"

namespace ffnet {

namespace weights {
class SafetensorsFile;
}
struct Graph;  // ffnet/graph.hpp (not installed: the model's internals)

// The band size LoadOptions::band_bytes defaults to: big enough for efficient GEMMs, small
// enough to stay in cache (see band_schedule.hpp).
inline constexpr std::size_t kDefaultBandBytes = std::size_t{2} << 20;

struct LoadOptions {
  std::string model;            // overrides the model name in the file's metadata
  std::string isa;              // instruction-set level: "scalar", "avx2_fma", "avx512", ...; empty:
                                // the richest this CPU supports (FFNET_ISA overrides that)
  bool reference_ops = false;   // run every op through the naive reference (slow; for tests)
  // How convolutions are computed. fastest (the default) chooses per layer and input size:
  // Winograd F(4x4, 3x3) on stride-1 3x3 layers whose output has enough pixels to pay for 4x
  // their weights (within 1e-3 relative of PyTorch), exact GEMM sums elsewhere (within 1e-4).
  ConvAlgorithm conv_algorithm = ConvAlgorithm::fastest;
  // Winograd's transformed weights are made on the first forward that needs them (4x the
  // layer's plain weights) and shared by every Workspace; at most this many bytes of them, after
  // which layers stay direct. Default: a quarter of physical memory.
  std::size_t winograd_weight_budget = physical_memory_bytes() / 4;
  // The first convolution and its consumer, and the head's last two convolutions, run band by
  // band, so that the first one's output never exists whole; see band_schedule.hpp.
  // Results are bit-identical for any value. band_bytes is the producer's output held per band
  // (rounded to whole rows, at least one consumer row); 0: whole maps, no bands.
  std::size_t band_bytes = kDefaultBandBytes;
};

// What a Workspace observer sees after each node (profiling, tests).
struct NodeEvent {
  std::size_t index;            // the node's place in execution order
  std::string_view name;        // the node, named like the checkpoint ("backbone_model.layer1.0.conv1")
  std::string_view kind;        // "conv", "max_pool", "resize", ...
  std::string_view algorithm;   // what ran: a kernel's name, "winograd f43 ...", "reference", ...
  std::string_view value_name;  // the node's output value
  // The output; data is null for a value that never exists whole (LoadOptions::band_bytes).
  // Float maps are channel-major (element (c, y, x) at (c * h + y) * w + x); the u8 maps of int8
  // networks are channels-last (at (y * w + x) * c_count + c: BasicView::pixel).
  AnyView output;
  double milliseconds;
  double flops;  // of the node for this image (2 per multiply-add)
  int image;     // index in the batch
};

// Scratch and activation memory for running a Network, reused across calls: after the first
// forward for an input size and thread count, forwards of that size allocate nothing (as long
// as the observer does not). Bound to no network: any sequence of networks, sizes and thread
// counts gives exactly a fresh Workspace's results. One Workspace per concurrent caller (a
// second forward on a busy Workspace is refused).
class Workspace {
 public:
  explicit Workspace(int threads = 0);
  ~Workspace();
  Workspace(Workspace&&) noexcept;
  Workspace& operator=(Workspace&&) noexcept;

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

  std::size_t arena_bytes() const;
  std::size_t scratch_bytes() const;

 private:
  friend class Network;
  struct State;
  // Set while a forward runs on this workspace.
  struct InUse {
    std::atomic<bool> flag{false};
    InUse() = default;
    InUse(InUse&&) noexcept {}
    InUse& operator=(InUse&&) noexcept { return *this; }
  };

  int threads_ = 1;
  InUse in_use_;
  std::unique_ptr<State> state_;
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
  // network moved from has id 0 and refuses to be used.
  std::uint64_t id() const;

  const ModelConfig& config() const;
  std::string_view isa() const;  // the instruction-set level its kernels were chosen for
  // Bytes of parameters held for forward (packed weights, biases, the rest; Winograd weights
  // once made).
  std::size_t weight_bytes() const;
  std::size_t node_count() const;
  // Floating-point operations of one forward of one image of `input` (2 per multiply-add).
  double flops(Dims input) const;

  // Output shape for a float32 N x 3 x H x W input: [N, 19, h, w] or [N, 1000].
  std::vector<std::int64_t> output_shape(const std::vector<std::int64_t>& input_shape) const;

  // input: N x 3 x H x W float32, normalised (spec section 7). Any H, W the layers allow.
  Tensor forward(const Tensor& input, int threads = 0) const;
  void forward(const Tensor& input, Tensor& output, Workspace& workspace) const;
  // The same on memory the caller owns (a numpy array's), read and written in place: `output`
  // must have output_shape(input.shape) and must not overlap the input (Error(usage)).
  void forward(ConstBatch input, Batch output, Workspace& workspace) const;

  const Graph& graph() const;  // the model's internals (ffnet/graph.hpp), for tests and tools

 private:
  struct Impl;
  explicit Network(std::unique_ptr<Impl> impl);
  const Impl& impl() const;  // throws Error(usage) for a moved-from network
  void prepare(Workspace& ws, Dims input) const;
  Dims checked_prepare(ConstBatch input, Workspace& ws) const;
  void run_batch(ConstBatch input, Batch output, Workspace& ws) const;
  void run_node(std::size_t index, Workspace& ws) const;
  void run_banded(std::size_t pair_index, Workspace& ws, double* producer_ms, double* consumer_ms) const;
  void notify(std::size_t index, Workspace& ws, double ms, int image, bool whole = true) const;

  std::unique_ptr<Impl> impl_;
};

}  // namespace ffnet
