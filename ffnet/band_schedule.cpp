#include "ffnet/band_schedule.hpp"

#include <algorithm>
#include <optional>

namespace ffnet {
namespace {

int align_down(int x, int a) { return x / a * a; }
int align_up(int x, int a) { return (x + a - 1) / a * a; }

// Whether `value` is read by node `reader` alone.
bool only_reader(const Graph& graph, ValueId value, std::size_t reader) {
  for (std::size_t i = 0; i < graph.nodes.size(); ++i)
    if (i != reader)
      for (ValueId v : node_inputs(graph.nodes[i]))
        if (v == value) return false;
  return true;
}

// The pair (producer, producer + 1), if the rules of find_banded_pairs allow it.
std::optional<BandedPair> pair_at(const Graph& graph, std::size_t producer_index,
                                  const std::vector<bool>& bandable,
                                  const std::vector<bool>& winograd) {
  const std::size_t consumer_index = producer_index + 1;
  if (consumer_index >= graph.nodes.size() || !bandable[producer_index]) return std::nullopt;
  const auto* producer = std::get_if<ConvNode>(&graph.nodes[producer_index]);
  if (producer == nullptr || producer->residual != kNoValue || producer->output == graph.output ||
      !only_reader(graph, producer->output, consumer_index))
    return std::nullopt;
  BandedPair pair{producer_index, consumer_index};
  pair.producer_alignment = winograd[producer_index] ? 4 : 1;
  const Node& consumer = graph.nodes[consumer_index];
  if (const auto* pool = std::get_if<MaxPoolNode>(&consumer); pool && pool->input == producer->output) {
    pair.kernel = pool->shape.kernel;
    pair.stride = pool->shape.stride;
    pair.pad = pool->shape.pad;
    return pair;
  }
  if (const auto* conv = std::get_if<ConvNode>(&consumer);
      conv && conv->input == producer->output && conv->residual == kNoValue &&
      bandable[consumer_index] && conv->shape.kernel_h == conv->shape.kernel_w) {
    pair.kernel = conv->shape.kernel_h;
    pair.stride = conv->shape.stride;
    pair.pad = conv->shape.pad;
    pair.consumer_alignment = winograd[consumer_index] ? 4 : 1;
    return pair;
  }
  return std::nullopt;
}

// Winograd's bands hold this many times band_bytes: at 2 MiB, ffnet40S's head tail got 2 tile
// rows per band and ran 15% slower on 2 threads than whole maps (threads sharing each block of
// so few tiles); at 8 MiB it ran as fast.
constexpr std::size_t kWinogradBandFactor = 4;

}  // namespace

std::vector<BandedPair> find_banded_pairs(const Graph& graph,
                                          const std::vector<bool>& bandable_conv,
                                          const std::vector<bool>& winograd_conv) {
  std::vector<BandedPair> pairs;
  // The stem: the first convolution, reading the input (or the pre-down smoothing of it).
  ValueId source = graph.input;
  std::size_t first = 0;
  if (!graph.nodes.empty())
    if (const auto* smooth = std::get_if<SmoothingNode>(&graph.nodes[0])) {
      source = smooth->output;
      first = 1;
    }
  if (first < graph.nodes.size())
    if (const auto* conv = std::get_if<ConvNode>(&graph.nodes[first]); conv && conv->input == source)
      if (auto pair = pair_at(graph, first, bandable_conv, winograd_conv)) pairs.push_back(*pair);
  // The head's tail: the convolution making the graph's output and the one before it.
  const std::size_t last = graph.nodes.size() - 1;
  if (graph.nodes.size() >= 2 && node_output(graph.nodes[last]) == graph.output &&
      std::holds_alternative<ConvNode>(graph.nodes[last]) &&
      (pairs.empty() || pairs.back().consumer < last - 1))
    if (auto pair = pair_at(graph, last - 1, bandable_conv, winograd_conv)) pairs.push_back(*pair);
  return pairs;
}

BandPlan plan_bands(const BandedPair& pair, Dims mid, int consumer_height,
                    std::size_t band_bytes) {
  const int pa = pair.producer_alignment, ca = pair.consumer_alignment;
  if (pa > 1 || ca > 1) band_bytes *= kWinogradBandFactor;
  const std::size_t row_bytes = mid.size() / std::size_t(std::max(mid.h, 1)) * sizeof(float);
  const std::size_t per_output_row = row_bytes * std::size_t(pair.stride);
  int rows = int(std::max<std::size_t>(1, band_bytes / std::max<std::size_t>(per_output_row, 1)));
  rows = std::max(ca, align_down(std::min(rows, std::max(consumer_height, 1)), ca));

  BandPlan plan;
  ops::RowRange held{0, 0};
  for (int first = 0; first < consumer_height; first += rows) {
    BandStep step;
    step.rows = {first, std::min(consumer_height, first + rows)};
    step.need = ops::input_rows(step.rows.first, align_up(step.rows.last, ca), pair.kernel,
                                pair.stride, pair.pad, mid.h);
    // held.last is aligned (or the map's end), so an aligned start follows on from it.
    const int fresh_first = step.need.first <= held.last ? held.last : align_down(step.need.first, pa);
    step.fresh = {fresh_first, std::max(fresh_first, std::min(mid.h, align_up(step.need.last, pa)))};
    step.held = {std::min(step.need.first, step.fresh.first), std::max(held.last, step.fresh.last)};
    held = step.held;
    plan.buffer_rows = std::max(plan.buffer_rows, held.last - held.first);
    plan.steps.push_back(step);
  }
  return plan;
}

}  // namespace ffnet
