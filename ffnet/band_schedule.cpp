#include "ffnet/band_schedule.hpp"

#include <algorithm>

namespace ffnet {

std::optional<BandedPair> find_banded_pair(const Graph& graph, const std::vector<bool>& exact_conv) {
  ValueId source = graph.input;
  std::size_t first = 0;
  if (!graph.nodes.empty())
    if (const auto* smooth = std::get_if<SmoothingNode>(&graph.nodes[0])) {
      source = smooth->output;
      first = 1;
    }
  if (first + 1 >= graph.nodes.size() || !exact_conv[first]) return std::nullopt;
  const auto* producer = std::get_if<ConvNode>(&graph.nodes[first]);
  if (producer == nullptr || producer->input != source || producer->residual != kNoValue ||
      producer->output == graph.output)
    return std::nullopt;
  const ValueId mid = producer->output;
  for (std::size_t i = first + 2; i < graph.nodes.size(); ++i)
    for (ValueId v : node_inputs(graph.nodes[i]))
      if (v == mid) return std::nullopt;

  BandedPair pair{first, first + 1};
  const Node& consumer = graph.nodes[first + 1];
  if (const auto* pool = std::get_if<MaxPoolNode>(&consumer); pool && pool->input == mid) {
    pair.kernel = pool->shape.kernel;
    pair.stride = pool->shape.stride;
    pair.pad = pool->shape.pad;
    return pair;
  }
  if (const auto* conv = std::get_if<ConvNode>(&consumer);
      conv && conv->input == mid && conv->residual == kNoValue && exact_conv[first + 1] &&
      conv->shape.kernel_h == conv->shape.kernel_w) {
    pair.kernel = conv->shape.kernel_h;
    pair.stride = conv->shape.stride;
    pair.pad = conv->shape.pad;
    return pair;
  }
  return std::nullopt;
}

BandGeometry band_geometry(const BandedPair& pair, Dims mid, int consumer_height,
                           std::size_t band_bytes) {
  const std::size_t row_bytes = mid.size() / std::size_t(std::max(mid.h, 1)) * sizeof(float);
  const std::size_t per_output_row = row_bytes * std::size_t(pair.stride);
  int rows = int(std::max<std::size_t>(1, band_bytes / std::max<std::size_t>(per_output_row, 1)));
  rows = std::min(rows, std::max(consumer_height, 1));
  BandGeometry g;
  g.consumer_rows = rows;
  g.buffer_rows = std::min(mid.h, (rows - 1) * pair.stride + pair.kernel);
  return g;
}

}  // namespace ffnet
