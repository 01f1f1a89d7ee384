#include "ffnet/network.hpp"

#include <omp.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <set>

#include "ffnet/core/error.hpp"
#include "ffnet/overloaded.hpp"
#include "ffnet/registry.hpp"
#include "ops/conv.hpp"
#include "ops/elementwise.hpp"
#include "ops/pooling.hpp"
#include "ops/reference.hpp"
#include "ops/resize.hpp"
#include "ops/smoothing.hpp"
#include "weights/batchnorm.hpp"
#include "weights/safetensors.hpp"

namespace ffnet {

// The parameters one node needs at run time, prepared at load.
struct Network::NodeWeights {
  std::optional<ops::PackedConv> packed;  // convolutions, optimised path
  Tensor weight;  // convolutions on the reference path (folded OIHW), smoothing, linear
  Tensor bias;    // convolutions on the reference path (folded), linear
};

namespace {

constexpr std::size_t kMaxProblemsListed = 25;

// Every mismatch between the file and the architecture, listed together.
void validate_tensors(const weights::SafetensorsFile& file, const Graph& graph,
                      const ModelConfig& config) {
  std::vector<std::string> problems;
  std::set<std::string> known;
  for (const TensorSpec& spec : required_tensors(graph)) {
    known.insert(spec.name);
    const weights::TensorInfo* info = file.find(spec.name);
    auto shape_str = [](const std::vector<std::int64_t>& s) {
      std::string out = "[";
      for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
      return out + "]";
    };
    if (!info) {
      problems.push_back("missing tensor '" + spec.name + "' " + shape_str(spec.shape));
    } else if (info->shape != spec.shape) {
      problems.push_back("tensor '" + spec.name + "' has shape " + shape_str(info->shape) + ", expected " +
                         shape_str(spec.shape));
    } else if (info->dtype != DType::f32 && info->dtype != DType::f16 &&
               info->dtype != DType::bf16 && info->dtype != DType::f64) {
      problems.push_back("tensor '" + spec.name + "' has dtype " + dtype_name(info->dtype) +
                         ", expected a floating-point type");
    }
  }
  for (const std::string& name : ignored_tensors(graph, config)) known.insert(name);
  for (const auto& info : file.tensors())
    if (!known.count(info.name)) problems.push_back("unexpected tensor '" + info.name + "'");
  if (problems.empty()) return;
  std::string message = file.name() + ": does not match " + config.name + " (" +
                        std::to_string(problems.size()) + " problems):";
  for (std::size_t i = 0; i < problems.size() && i < kMaxProblemsListed; ++i) message += "\n  " + problems[i];
  if (problems.size() > kMaxProblemsListed)
    message += "\n  ... and " + std::to_string(problems.size() - kMaxProblemsListed) + " more";
  throw_input(message);
}

Tensor read_finite(const weights::SafetensorsFile& file, const std::string& name) {
  Tensor t = file.read_f32(*file.find(name));
  for (std::size_t i = 0; i < t.size(); ++i)
    if (!std::isfinite(t.data()[i]))
      throw_input(file.name() + ": tensor '" + name + "' contains non-finite values (NaN or infinity)");
  return t;
}

// Conv weight and bias with the batch norm folded in.
std::pair<Tensor, Tensor> folded_conv(const weights::SafetensorsFile& file, const ConvNode& node) {
  Tensor weight = read_finite(file, node.params.weight);
  Tensor bias({node.shape.out_channels});
  if (!node.params.bias.empty()) bias = read_finite(file, node.params.bias);
  const std::string& bn = node.params.batchnorm;
  if (!bn.empty()) {
    Tensor gamma = read_finite(file, bn + ".weight"), beta = read_finite(file, bn + ".bias");
    Tensor mean = read_finite(file, bn + ".running_mean"), var = read_finite(file, bn + ".running_var");
    const std::string what = file.name() + ": " + bn;
    weights::fold_batchnorm(what.c_str(), node.shape.out_channels, weight.size() / std::size_t(node.shape.out_channels),
                            weight.data(), bias.data(), {gamma.data(), beta.data(), mean.data(), var.data()});
  }
  return {std::move(weight), std::move(bias)};
}

// Winograd's weights take 4x the memory of the plain ones, and pay back in proportion to the
// pixels a layer computes. At the model's natural input size, maps of 32x64 pixels and more
// gain the most (bench_gemm on one Zen 4 core: 192 channels at 32x64, 3.8 ms against 12.8
// exact); at 16x32 the gain (256 channels: 3.4 against 5.7 ms on one thread, 1.7 against 2.8
// on two) would cost 4x those layers' weights: +260 MB on ffnet122NS, more than doubling its
// resident memory.
constexpr std::size_t kWinogradMinPixels = 32 * 64;

// Per convolution node: whether it runs Winograd, from its output's size at the natural input.
std::vector<bool> winograd_nodes(const Graph& graph, const ModelConfig& config) {
  const ImageSize natural = natural_input_size(config.name);
  const std::vector<Dims> dims = infer_dims(graph, {3, natural.height, natural.width});
  std::vector<bool> use(graph.nodes.size(), false);
  for (std::size_t i = 0; i < graph.nodes.size(); ++i)
    if (const auto* conv = std::get_if<ConvNode>(&graph.nodes[i]))
      use[i] = dims[std::size_t(conv->output)].plane() >= kWinogradMinPixels;
  return use;
}

}  // namespace

Network::Network() = default;
Network::Network(Network&&) noexcept = default;
Network& Network::operator=(Network&&) noexcept = default;
Network::~Network() = default;

void Workspace::set_threads(int threads) {
  if (threads < 0) throw_usage("thread count must be positive, got " + std::to_string(threads));
  threads_ = threads == 0 ? omp_get_max_threads() : threads;
}

Network Network::load(const std::string& path, const LoadOptions& options) {
  return load(weights::SafetensorsFile::open(path), options);
}

Network Network::load(const weights::SafetensorsFile& file, const LoadOptions& options) {
  std::string model = options.model;
  if (model.empty()) {
    auto it = file.metadata().find("model");
    if (it == file.metadata().end())
      throw_usage(file.name() + ": the file does not name its model (no 'model' in its metadata); give the model name");
    model = it->second;
  }
  Network net;
  static std::atomic<std::uint64_t> loads{0};
  net.id_.value = ++loads;
  try {
    net.config_ = model_config(model);
  } catch (const Error& e) {
    // A name the caller gave is a usage error; a name the file records is the file's fault.
    if (!options.model.empty()) throw;
    throw_input(file.name() + ": its metadata names an " + e.what());
  }
  net.graph_ = build_graph(net.config_);
  net.reference_ops_ = options.reference_ops;
  net.isa_ = options.isa.value_or(ops::best_isa());
  if (!ops::isa_supported(net.isa_))
    throw_usage(std::string("this CPU cannot run the ") + std::string(ops::isa_name(net.isa_)) + " kernels");
  validate_tensors(file, net.graph_, net.config_);

  net.weights_.resize(net.graph_.nodes.size());
  const std::vector<bool> winograd = winograd_nodes(net.graph_, net.config_);
  for (std::size_t i = 0; i < net.graph_.nodes.size(); ++i) {
    NodeWeights& w = net.weights_[i];
    const Node& node = net.graph_.nodes[i];
    if (const auto* conv = std::get_if<ConvNode>(&node)) {
      auto [weight, bias] = folded_conv(file, *conv);
      if (net.reference_ops_) {
        w.weight = std::move(weight);
        w.bias = std::move(bias);
      } else {
        w.packed.emplace(conv->shape, weight.data(), bias.data(), net.isa_,
                         ops::ConvOptions{.winograd = options.winograd && winograd[i]});
      }
    } else if (const auto* smooth = std::get_if<SmoothingNode>(&node)) {
      w.weight = read_finite(file, smooth->weight);
    } else if (const auto* linear = std::get_if<LinearNode>(&node)) {
      w.weight = read_finite(file, linear->weight);
      w.bias = read_finite(file, linear->bias);
    }
  }
  net.band_bytes_ = options.band_bytes;
  if (options.band_bytes > 0) {
    std::vector<bool> bandable(net.graph_.nodes.size(), false), uses_winograd(bandable);
    for (std::size_t i = 0; i < bandable.size(); ++i) {
      bandable[i] = net.weights_[i].packed.has_value();
      uses_winograd[i] = bandable[i] && net.weights_[i].packed->uses_winograd();
    }
    net.bands_ = find_banded_pairs(net.graph_, bandable, uses_winograd);
  }
  return net;
}

std::size_t Network::weight_bytes() const {
  std::size_t bytes = 0;
  for (const NodeWeights& w : weights_)
    bytes += (w.packed ? w.packed->weight_bytes() : 0) + (w.weight.size() + w.bias.size()) * sizeof(float);
  return bytes;
}

namespace {

// Refuses what is not an N x 3 x H x W tensor of a sensible size (allocates nothing).
void check_input_shape(const std::vector<std::int64_t>& shape) {
  if (shape.size() != 4 || shape[1] != 3)
    throw_input("input must be N x 3 x H x W, got a tensor of rank " + std::to_string(shape.size()));
  for (std::int64_t d : shape)
    if (d < 1 || d > (1 << 20)) throw_input("input dimension " + std::to_string(d) + " is out of range");
}

// Whether `output` already has the shape of N images of `dims` for this task.
bool has_output_shape(const Tensor& output, Task task, std::int64_t n, Dims dims) {
  const auto& s = output.shape();
  if (task == Task::classification) return s.size() == 2 && s[0] == n && s[1] == dims.c;
  return s.size() == 4 && s[0] == n && s[1] == dims.c && s[2] == dims.h && s[3] == dims.w;
}

}  // namespace

void Network::check_loaded() const {
  if (id_.value == 0) throw_usage("this Network was moved from: it holds no model (load one)");
}

std::vector<std::int64_t> Network::output_shape(const std::vector<std::int64_t>& input_shape) const {
  check_loaded();
  check_input_shape(input_shape);
  const Dims out = infer_dims(graph_, {3, int(input_shape[2]), int(input_shape[3])})[std::size_t(graph_.output)];
  if (config_.task == Task::classification) return {input_shape[0], out.c};
  return {input_shape[0], out.c, out.h, out.w};
}

void Network::prepare(Workspace& ws, Dims input) const {
  if (ws.planned_for_ == id_.value && ws.planned_dims_ == input && ws.planned_threads_ == ws.threads_ &&
      ws.planned_bytes_ <= ws.memory_limit)
    return;
  ws.planned_for_ = 0;  // until the new plan is complete
  ws.dims_ = infer_dims(graph_, input);
  // A banded value takes only its band buffer in the arena.
  std::vector<Dims> stored = ws.dims_;
  ws.band_plans_.clear();
  std::vector<NodeRange> interleaved;
  for (const BandedPair& pair : bands_) {
    const ValueId mid = std::get<ConvNode>(graph_.nodes[pair.producer]).output;
    const ValueId out = node_output(graph_.nodes[pair.consumer]);
    ws.band_plans_.push_back(plan_bands(pair, ws.dims_[std::size_t(mid)], ws.dims_[std::size_t(out)].h, band_bytes_));
    stored[std::size_t(mid)].h = ws.band_plans_.back().buffer_rows;
    interleaved.push_back({int(pair.producer), int(pair.consumer)});
  }
  ws.plan_ = plan_memory(graph_, stored, interleaved);
  std::size_t scratch = 0;
  for (std::size_t i = 0; i < graph_.nodes.size(); ++i)
    if (const auto* conv = std::get_if<ConvNode>(&graph_.nodes[i]); conv && weights_[i].packed)
      scratch = std::max(scratch, weights_[i].packed->scratch_floats(ws.dims_[std::size_t(conv->input)], ws.threads_));
  const std::size_t bytes = (ws.plan_.arena_floats + scratch) * sizeof(float);
  check_memory_limit(bytes, ws.memory_limit, "an input of " + input.str(), "the workspace's memory limit");
  if (ws.arena_.size() < ws.plan_.arena_floats) ws.arena_.resize(ws.plan_.arena_floats);
  if (ws.scratch_.size() < scratch) ws.scratch_.resize(scratch);
  ws.values_.assign(ws.dims_.size(), View{});
  for (std::size_t v = 0; v < ws.values_.size(); ++v)
    if (ws.plan_.offsets[v] != kNotInArena) ws.values_[v] = {ws.arena_.data() + ws.plan_.offsets[v], stored[v]};
  ws.planned_for_ = id_.value;
  ws.planned_dims_ = input;
  ws.planned_threads_ = ws.threads_;
  ws.planned_bytes_ = bytes;
}

Tensor Network::forward(const Tensor& input, int threads) const {
  Workspace ws(threads);
  Tensor output;
  forward(input, output, ws);
  return output;
}

namespace {

class InUseGuard {
 public:
  explicit InUseGuard(std::atomic<bool>& flag) : flag_(flag) {
    if (flag_.exchange(true, std::memory_order_acquire))
      throw_usage("this Workspace is in use by another forward (one Workspace per concurrent caller)");
  }
  ~InUseGuard() { flag_.store(false, std::memory_order_release); }
  InUseGuard(const InUseGuard&) = delete;
  InUseGuard& operator=(const InUseGuard&) = delete;

 private:
  std::atomic<bool>& flag_;
};

}  // namespace

void Network::forward(const Tensor& input, Tensor& output, Workspace& ws) const {
  check_loaded();
  if (&input == &output) throw_usage("forward: the output tensor must be another tensor than the input");
  const InUseGuard guard(ws.in_use_.flag);
  check_input_shape(input.shape());
  if (ws.check_finite_input) check_finite(input, "input");
  const Dims in_dims = input.image_dims();
  prepare(ws, in_dims);
  const Dims out_dims = ws.dims_[std::size_t(graph_.output)];
  if (!has_output_shape(output, config_.task, input.batch(), out_dims)) output = Tensor(output_shape(input.shape()));

  std::vector<View>& values = ws.values_;
  for (int n = 0; n < input.batch(); ++n) {
    // The input is only ever read: no node writes to a value it reads.
    values[std::size_t(graph_.input)] = {const_cast<float*>(input.image(n).data), in_dims};
    values[std::size_t(graph_.output)] = output.image(n);
    std::size_t next_band = 0;
    for (std::size_t i = 0; i < graph_.nodes.size(); ++i) {
      if (next_band < bands_.size() && i == bands_[next_band].producer) {
        const BandedPair& pair = bands_[next_band];
        double producer_ms = 0, consumer_ms = 0;
        run_banded(pair, ws.band_plans_[next_band], ws, &producer_ms, &consumer_ms);
        notify(pair.producer, ws, producer_ms, n, false);
        notify(pair.consumer, ws, consumer_ms, n);
        i = pair.consumer;
        ++next_band;
        continue;
      }
      if (!ws.observer) {
        run_node(i, ws);
        continue;
      }
      const double start = omp_get_wtime();
      run_node(i, ws);
      notify(i, ws, (omp_get_wtime() - start) * 1e3, n);
    }
  }
}

void Network::notify(std::size_t index, Workspace& ws, double ms, int image, bool whole) const {
  if (!ws.observer) return;
  const Node& node = graph_.nodes[index];
  const auto out = std::size_t(node_output(node));
  const ConstView view = whole ? ConstView(ws.values_[out]) : ConstView(nullptr, ws.dims_[out]);
  ws.observer(NodeEvent{node, graph_.value_names[out], view, ms, image});
}

// Consumer output rows band by band (plan_bands); for each, the producer computes the rows of
// its output that band reads and the previous band did not (the rows both read are moved to
// the top of the buffer, not recomputed).
void Network::run_banded(const BandedPair& pair, const BandPlan& plan, Workspace& ws, double* producer_ms,
                         double* consumer_ms) const {
  const auto& producer = std::get<ConvNode>(graph_.nodes[pair.producer]);
  const Node& consumer = graph_.nodes[pair.consumer];
  const ConstView in = ws.values_[std::size_t(producer.input)];
  const View buffer = ws.values_[std::size_t(producer.output)];
  const int mid_h = ws.dims_[std::size_t(producer.output)].h;
  const View out = ws.values_[std::size_t(node_output(consumer))];
  const std::span<float> scratch(ws.scratch_.data(), ws.scratch_.size());
  const int threads = ws.threads_;
  const bool timed = bool(ws.observer);
  ops::RowRange held{0, 0};  // rows of the producer's output in the buffer
  for (const BandStep& step : plan.steps) {
    const int keep_first = std::max(step.held.first, held.first);
    if (keep_first < held.last && keep_first > held.first)
      for (int c = 0; c < buffer.dims.c; ++c)
        std::memmove(buffer.row(c, 0), buffer.row(c, keep_first - held.first),
                     std::size_t(held.last - keep_first) * std::size_t(buffer.dims.w) * sizeof(float));
    const double t0 = timed ? omp_get_wtime() : 0;
    if (step.fresh.first < step.fresh.last)
      weights_[pair.producer].packed->run_band({in, 0, in.dims.h}, {buffer, step.held.first, mid_h}, step.fresh,
                                               producer.relu, threads, scratch);
    const double t1 = timed ? omp_get_wtime() : 0;
    const ops::ConstBand from{buffer, step.held.first, mid_h};
    const ops::Band to{out, 0, out.dims.h};
    if (const auto* pool = std::get_if<MaxPoolNode>(&consumer))
      ops::max_pool_band(pool->shape, from, to, step.rows, threads);
    else
      weights_[pair.consumer].packed->run_band(from, to, step.rows, std::get<ConvNode>(consumer).relu, threads,
                                               scratch);
    if (timed) {
      *producer_ms += (t1 - t0) * 1e3;
      *consumer_ms += (omp_get_wtime() - t1) * 1e3;
    }
    held = step.held;
  }
}

void Network::run_node(std::size_t index, Workspace& ws) const {
  const std::vector<View>& values = ws.values_;
  const NodeWeights& w = weights_[index];
  const int threads = ws.threads_;
  const bool ref = reference_ops_;
  auto at = [&](ValueId v) -> View { return v == kNoValue ? View{} : values[std::size_t(v)]; };
  std::visit(
      Overloaded{
          [&](const ConvNode& n) {
            const ops::ConvEpilogue epilogue{at(n.residual), n.relu};
            if (ref)
              reference::conv2d(n.shape, w.weight.data(), w.bias.data(), at(n.input), at(n.output), epilogue);
            else
              w.packed->run(at(n.input), at(n.output), epilogue, threads,
                            std::span<float>(ws.scratch_.data(), ws.scratch_.size()));
          },
          [&](const MaxPoolNode& n) {
            if (ref) reference::max_pool(n.shape, at(n.input), at(n.output));
            else ops::max_pool(n.shape, at(n.input), at(n.output), threads);
          },
          [&](const ResizeNode& n) {
            if (ref) reference::resize(n.mode, at(n.input), at(n.output), at(n.add));
            else ops::resize(n.mode, at(n.input), at(n.output), at(n.add), threads);
          },
          [&](const ConcatNode& n) {
            if (ws.plan_.concat_in_place[index]) return;  // the inputs were written in place
            std::vector<ConstView> parts;
            for (ValueId v : n.inputs) parts.push_back(at(v));
            if (ref) reference::concat_channels(parts, at(n.output));
            else ops::concat_channels(parts, at(n.output), threads);
          },
          [&](const SmoothingNode& n) {
            if (ref) reference::pre_down_smooth(at(n.input), at(n.output), w.weight.data());
            else ops::pre_down_smooth(at(n.input), at(n.output), w.weight.data(), threads);
          },
          [&](const AddNode& n) {
            if (ref) reference::add(at(n.a), at(n.b), at(n.output));
            else ops::add(at(n.a), at(n.b), at(n.output), threads);
          },
          [&](const GlobalPoolNode& n) {
            if (ref) reference::global_average_pool(at(n.input), at(n.output).data);
            else ops::global_average_pool(at(n.input), at(n.output).data, threads);
          },
          [&](const LinearNode& n) {
            if (ref)
              reference::linear(w.weight.data(), w.bias.data(), n.in_features, n.out_features, at(n.input).data,
                                at(n.output).data);
            else
              ops::linear(w.weight.data(), w.bias.data(), n.in_features, n.out_features, at(n.input).data,
                          at(n.output).data, threads);
          },
      },
      graph_.nodes[index]);
}

}  // namespace ffnet
