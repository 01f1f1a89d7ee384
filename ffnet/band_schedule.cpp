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
      for (ValueId v : graph.nodes[i].inputs)
        if (v == value) return false;
  return true;
}

// The pair (producer, producer + 1), if the rules of find_banded_pairs allow it.
std::optional<BandedPair> pair_at(const Graph& graph, std::size_t producer_index,
                                  const std::vector<bool>& runs_in_bands) {
  const std::size_t consumer_index = producer_index + 1;
  if (consumer_index >= graph.nodes.size() || !runs_in_bands[producer_index] || !runs_in_bands[consumer_index])
    return std::nullopt;
  const Node& producer = graph.nodes[producer_index];
  const Node& consumer = graph.nodes[consumer_index];
  if (producer.inputs.size() != 1 || producer.output == graph.output || consumer.inputs.size() != 1 ||
      consumer.inputs[0] != producer.output || !only_reader(graph, producer.output, consumer_index))
    return std::nullopt;
  return BandedPair{producer_index, consumer_index};
}

// Winograd's bands hold this many times band_bytes: at 2 MiB, ffnet40S's head tail got 2 tile
// rows per band and ran 15% slower on 2 threads than whole maps (threads sharing each block of
// so few tiles); at 8 MiB it ran as fast.
constexpr std::size_t kWinogradBandFactor = 4;

}  // namespace

std::vector<BandedPair> find_banded_pairs(const Graph& graph, const std::vector<bool>& runs_in_bands) {
  std::vector<BandedPair> pairs;
  // The stem: the first node that runs in bands (FFNet's first convolution) and its consumer.
  const auto first = std::find(runs_in_bands.begin(), runs_in_bands.end(), true);
  if (first != runs_in_bands.end())
    if (auto pair = pair_at(graph, std::size_t(first - runs_in_bands.begin()), runs_in_bands)) pairs.push_back(*pair);
  // The head's tail: the node making the graph's output and the one before it.
  if (graph.nodes.size() < 2) return pairs;
  const std::size_t last = graph.nodes.size() - 1;
  if (graph.nodes[last].output == graph.output && (pairs.empty() || pairs.back().consumer < last - 1))
    if (auto pair = pair_at(graph, last - 1, runs_in_bands)) pairs.push_back(*pair);
  return pairs;
}

BandPlan plan_bands(const ops::BandWindow& producer, const ops::BandWindow& consumer, Dims mid, int consumer_height,
                    std::size_t band_bytes) {
  const int pa = producer.alignment, ca = consumer.alignment;
  if (pa > 1 || ca > 1) band_bytes *= kWinogradBandFactor;
  const std::size_t row_bytes = mid.size() / std::size_t(std::max(mid.h, 1)) * sizeof(float);
  const std::size_t per_output_row = row_bytes * std::size_t(consumer.stride);
  int rows = int(std::max<std::size_t>(1, band_bytes / std::max<std::size_t>(per_output_row, 1)));
  rows = std::max(ca, align_down(std::min(rows, std::max(consumer_height, 1)), ca));

  BandPlan plan;
  ops::RowRange held{0, 0};
  for (int first = 0; first < consumer_height; first += rows) {
    BandStep step;
    step.rows = {first, std::min(consumer_height, first + rows)};
    step.need = ops::input_rows(step.rows.first, align_up(step.rows.last, ca), consumer.kernel, consumer.stride,
                                consumer.pad, mid.h);
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
