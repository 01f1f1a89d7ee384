// Running a Network: a Workspace is planned once per network, input size and thread count (every
// op reshaped, bands and activation memory planned, scratch sized), then each forward runs the
// nodes in order through the one op interface, allocating nothing.
#include <omp.h>

#include <algorithm>
#include <array>
#include <functional>
#include <cstring>

#include "ffnet/core/error.hpp"
#include "ffnet/network_impl.hpp"

namespace ffnet {

Workspace::Workspace(int threads) : state_(std::make_unique<State>()) { set_threads(threads); }
Workspace::~Workspace() = default;
Workspace::Workspace(Workspace&&) noexcept = default;
Workspace& Workspace::operator=(Workspace&&) noexcept = default;

void Workspace::set_threads(int threads) {
  if (threads < 0) throw_usage("thread count must be positive, got " + std::to_string(threads));
  threads_ = threads == 0 ? omp_get_max_threads() : threads;
}

std::size_t Workspace::arena_bytes() const { return state_ ? state_->arena.size() : 0; }
std::size_t Workspace::scratch_bytes() const { return state_ ? state_->scratch.size() : 0; }

namespace {

// The largest input dimension accepted: far beyond any picture (kMaxImageSideCompiled is 2^20
// too), and small enough that no product of two dims overflows a 64-bit size.
constexpr std::int64_t kMaxInputDim = std::int64_t{1} << 20;

// Refuses what is not an N x 3 x H x W float32 tensor of a sensible size (allocates nothing).
void check_input_shape(std::span<const std::int64_t> shape) {
  if (shape.size() != 4 || shape[1] != 3) throw_input("input must be N x 3 x H x W, got shape " + shape_string(shape));
  for (std::int64_t d : shape)
    if (d < 1 || d > kMaxInputDim) throw_input("input dimension " + std::to_string(d) + " is out of range");
}

// Whether `output` already has the shape of N images of `dims` for this task.
bool has_output_shape(const Tensor& output, Task task, std::int64_t n, Dims dims) {
  const auto& s = output.shape();
  if (output.dtype() != DType::f32) return false;
  if (task == Task::classification) return s.size() == 2 && s[0] == n && s[1] == dims.c;
  return s.size() == 4 && s[0] == n && s[1] == dims.c && s[2] == dims.h && s[3] == dims.w;
}

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

std::vector<std::int64_t> Network::output_shape(const std::vector<std::int64_t>& input_shape) const {
  const Impl& net = impl();
  check_input_shape(input_shape);
  const Dims out = infer_dims(net.graph, {3, int(input_shape[2]), int(input_shape[3])})[std::size_t(net.graph.output)];
  if (net.config.task == Task::classification) return {input_shape[0], out.c};
  return {input_shape[0], out.c, out.h, out.w};
}

void Network::prepare(Workspace& ws, Dims input) const {
  const Impl& net = impl();
  Workspace::State& st = *ws.state_;
  if (st.planned_for == net.id && st.planned_dims == input && st.planned_threads == ws.threads_ &&
      st.planned_bytes <= ws.memory_limit)
    return;
  st.planned_for = 0;  // until the new plan is complete
  const Graph& graph = net.graph;
  st.dims = infer_dims(graph, input);
  st.plans.clear();
  std::size_t max_inputs = 0, scratch = 0;
  std::vector<Dims> in_dims;
  for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    in_dims.clear();
    for (ValueId v : node.inputs) in_dims.push_back(st.dims[std::size_t(v)]);
    st.plans.push_back(net.ops[i]->reshape(in_dims, st.dims[std::size_t(node.output)], ws.threads_));
    max_inputs = std::max(max_inputs, node.inputs.size());
    scratch = std::max(scratch, st.plans.back()->scratch_bytes);
  }
  // A banded value takes only its band buffer in the arena.
  std::vector<Dims> stored = st.dims;
  std::vector<DType> dtypes(stored.size(), DType::f32);
  for (std::size_t i = 0; i < graph.nodes.size(); ++i) dtypes[std::size_t(graph.nodes[i].output)] = net.ops[i]->output_dtype();
  st.band_plans.clear();
  std::vector<NodeRange> interleaved;
  for (const BandedPair& pair : net.bands) {
    const ValueId mid = graph.nodes[pair.producer].output;
    const ValueId out = graph.nodes[pair.consumer].output;
    st.band_plans.push_back(plan_bands(net.ops[pair.producer]->band_window(*st.plans[pair.producer]),
                                       net.ops[pair.consumer]->band_window(*st.plans[pair.consumer]),
                                       st.dims[std::size_t(mid)], st.dims[std::size_t(out)].h, net.band_bytes));
    stored[std::size_t(mid)].h = st.band_plans.back().buffer_rows;
    interleaved.push_back({int(pair.producer), int(pair.consumer)});
  }
  st.memory = plan_memory(graph, stored, dtypes, interleaved);
  const std::size_t bytes = st.memory.arena_bytes + scratch;
  check_memory_limit(bytes, ws.memory_limit, "an input of " + input.str(), "the workspace's memory limit");
  if (st.arena.size() < st.memory.arena_bytes) st.arena.resize(st.memory.arena_bytes);
  if (st.scratch.size() < scratch) st.scratch.resize(scratch);
  st.values.assign(st.dims.size(), AnyView{});
  for (std::size_t v = 0; v < st.values.size(); ++v)
    if (st.memory.offsets[v] != kNotInArena) st.values[v] = {st.arena.data() + st.memory.offsets[v], dtypes[v], stored[v]};
  st.inputs.reserve(max_inputs);
  st.planned_for = net.id;
  st.planned_dims = input;
  st.planned_threads = ws.threads_;
  st.planned_bytes = bytes;
}

Tensor Network::forward(const Tensor& input, int threads) const {
  Workspace ws(threads);
  Tensor output;
  forward(input, output, ws);
  return output;
}

void Network::forward(const Tensor& input, Tensor& output, Workspace& ws) const {
  const Impl& net = impl();
  if (&input == &output) throw_usage("forward: the output tensor must be another tensor than the input");
  if (!ws.state_) throw_usage("forward: this Workspace was moved from");
  const InUseGuard guard(ws.in_use_.flag);
  if (input.dtype() != DType::f32)
    throw_input(std::string("input must be float32, got ") + dtype_name(input.dtype()));
  const Dims out_dims = checked_prepare(batch_of(input), ws);
  if (!has_output_shape(output, net.config.task, input.batch(), out_dims)) output = Tensor(output_shape(input.shape()));
  run_batch(batch_of(input), batch_of(output), ws);
}

void Network::forward(ConstBatch input, Batch output, Workspace& ws) const {
  const Impl& net = impl();
  if (!ws.state_) throw_usage("forward: this Workspace was moved from");
  const InUseGuard guard(ws.in_use_.flag);
  if (input.data == nullptr || output.data == nullptr) throw_usage("forward: null input or output");
  const Dims out = checked_prepare(input, ws);
  const std::array<std::int64_t, 4> want{input.shape[0], out.c, out.h, out.w};
  const std::size_t rank = net.config.task == Task::classification ? 2 : 4;
  if (output.shape.size() != rank || !std::equal(output.shape.begin(), output.shape.end(), want.begin()))
    throw_usage("forward: the output must have shape " + shape_string(std::span(want.data(), rank)) + ", got " +
                shape_string(output.shape));
  const float* in_end = input.data + input.size();
  if (std::less<const float*>{}(output.data, in_end) && std::less<const float*>{}(input.data, output.data + output.size()))
    throw_usage("forward: the output overlaps the input");
  run_batch(input, output, ws);
}

// Both forwards' checks of the input, then the workspace planned for its size; the output's dims.
Dims Network::checked_prepare(ConstBatch input, Workspace& ws) const {
  check_input_shape(input.shape);
  if (ws.check_finite_input) check_finite(input, "input");
  prepare(ws, {int(input.shape[1]), int(input.shape[2]), int(input.shape[3])});
  return ws.state_->dims[std::size_t(impl().graph.output)];
}

// The forward proper, on a workspace in use and prepared for the input's size.
void Network::run_batch(ConstBatch input, Batch output, Workspace& ws) const {
  const Impl& net = impl();
  Workspace::State& st = *ws.state_;
  const Graph& graph = net.graph;
  const Dims in_dims{int(input.shape[1]), int(input.shape[2]), int(input.shape[3])};
  const Dims out_dims = st.dims[std::size_t(graph.output)];
  for (int n = 0; n < int(input.shape[0]); ++n) {
    // The input is only ever read: no node writes to a value it reads.
    st.values[std::size_t(graph.input)] = ConstView{input.data + std::size_t(n) * in_dims.size(), in_dims};
    st.values[std::size_t(graph.output)] = View{output.data + std::size_t(n) * out_dims.size(), out_dims};
    std::size_t next_band = 0;
    for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
      if (next_band < net.bands.size() && i == net.bands[next_band].producer) {
        double producer_ms = 0, consumer_ms = 0;
        run_banded(next_band, ws, &producer_ms, &consumer_ms);
        notify(i, ws, producer_ms, n, false);
        i = net.bands[next_band].consumer;
        notify(i, ws, consumer_ms, n);
        ++next_band;
        continue;
      }
      const double start = ws.observer ? omp_get_wtime() : 0;
      if (!st.memory.concat_in_place[i]) run_node(i, ws);  // else the inputs were written in place
      if (ws.observer) notify(i, ws, (omp_get_wtime() - start) * 1e3, n);
    }
  }
}

void Network::run_node(std::size_t index, Workspace& ws) const {
  const Impl& net = impl();
  Workspace::State& st = *ws.state_;
  const Node& node = net.graph.nodes[index];
  st.inputs.clear();  // capacity reserved at prepare: no allocation
  for (ValueId v : node.inputs) st.inputs.push_back(st.values[std::size_t(v)]);
  const ops::RunContext ctx{.threads = ws.threads_, .scratch = {st.scratch.data(), st.scratch.size()}};
  net.ops[index]->run(*st.plans[index], st.inputs, st.values[std::size_t(node.output)], ctx);
}

void Network::notify(std::size_t index, Workspace& ws, double ms, int image, bool whole) const {
  if (!ws.observer) return;
  const Impl& net = impl();
  Workspace::State& st = *ws.state_;
  const Node& node = net.graph.nodes[index];
  const auto out = std::size_t(node.output);
  AnyView view = st.values[out];
  if (!whole) view = {nullptr, view.dtype, st.dims[out]};
  ws.observer(NodeEvent{.index = index,
                        .name = node.name,
                        .kind = node_kind(node),
                        .algorithm = st.plans[index]->algorithm,
                        .value_name = net.graph.value_names[out],
                        .output = view,
                        .milliseconds = ms,
                        .flops = node_flops(node, st.dims[out]),
                        .image = image});
}

// Consumer output rows band by band (plan_bands); for each, the producer computes the rows of
// its output that band reads and the previous band did not (the rows both read are moved to
// the top of the buffer, not recomputed).
void Network::run_banded(std::size_t pair_index, Workspace& ws, double* producer_ms, double* consumer_ms) const {
  const Impl& net = impl();
  Workspace::State& st = *ws.state_;
  const BandedPair& pair = net.bands[pair_index];
  const BandPlan& plan = st.band_plans[pair_index];
  const Node& producer = net.graph.nodes[pair.producer];
  const Node& consumer = net.graph.nodes[pair.consumer];
  const AnyView in = st.values[std::size_t(producer.inputs[0])];
  const AnyView buffer = st.values[std::size_t(producer.output)];
  const int mid_h = st.dims[std::size_t(producer.output)].h;
  const AnyView out = st.values[std::size_t(consumer.output)];
  const ops::RunContext ctx{.threads = ws.threads_, .scratch = {st.scratch.data(), st.scratch.size()}};
  const std::size_t row_bytes = std::size_t(buffer.dims.w) * dtype_size(buffer.dtype);
  auto buffer_row = [&](int c, int row) {
    return static_cast<std::byte*>(buffer.data) + (std::size_t(c) * std::size_t(buffer.dims.h) + std::size_t(row)) * row_bytes;
  };
  const bool timed = bool(ws.observer);
  ops::RowRange held{0, 0};  // rows of the producer's output in the buffer
  for (const BandStep& step : plan.steps) {
    const int keep_first = std::max(step.held.first, held.first);
    if (keep_first < held.last && keep_first > held.first) {
      const std::size_t rows = std::size_t(held.last - keep_first), skip = std::size_t(keep_first - held.first);
      if (buffer.dtype == DType::u8) {  // channels-last: the rows of every channel are one block
        const std::size_t pixel_row = row_bytes * std::size_t(buffer.dims.c);
        auto* base = static_cast<std::byte*>(buffer.data);
        std::memmove(base, base + skip * pixel_row, rows * pixel_row);
      } else {
        for (int c = 0; c < buffer.dims.c; ++c) std::memmove(buffer_row(c, 0), buffer_row(c, int(skip)), rows * row_bytes);
      }
    }
    const double t0 = timed ? omp_get_wtime() : 0;
    if (step.fresh.first < step.fresh.last)
      net.ops[pair.producer]->run_band(*st.plans[pair.producer], {in, 0, in.dims.h}, {buffer, step.held.first, mid_h},
                                       step.fresh, ctx);
    const double t1 = timed ? omp_get_wtime() : 0;
    net.ops[pair.consumer]->run_band(*st.plans[pair.consumer], {buffer, step.held.first, mid_h}, {out, 0, out.dims.h},
                                     step.rows, ctx);
    if (timed) {
      *producer_ms += (t1 - t0) * 1e3;
      *consumer_ms += (omp_get_wtime() - t1) * 1e3;
    }
    held = step.held;
  }
}

}  // namespace ffnet
