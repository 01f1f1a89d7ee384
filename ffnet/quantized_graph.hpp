#pragma once
// The int8 form of a model's graph, which a quantised weight file (ffnet-quantize) runs:
// - every value a convolution, max pooling, resize, concat or add makes is u8 (per-tensor scale
//   and zero point), except the graph's output (the last convolution writes float logits);
// - a float value that such a node reads (the network's input, the pre-down smoothing's output)
//   is quantised first by a Quantize node, which makes its u8 copy "<value>.u8";
// - global average pooling reads u8 and writes float; the classifier's linear layer stays float.
// Values that must share one scale and zero point: a concat's inputs and its output (it copies
// bytes), a max pooling's input and output.
#include <string>
#include <vector>

#include "ffnet/graph.hpp"

namespace ffnet {

// What the metadata key "format" of an int8 weight file says.
inline constexpr const char* kInt8Format = "ffnet-int8-v1";

// The int8 graph of a float graph: types set, Quantize nodes inserted; value_quant left at scale
// 1, zero point 0 for the caller to fill.
Graph quantized_graph(const Graph& graph);

// The u8 values of an int8 graph, and the names of the tensors holding their parameters:
// "quant.<value>.scale" (F32 [1]) and "quant.<value>.zero_point" (U8 [1]).
std::vector<ValueId> u8_values(const Graph& graph);
std::string quant_scale_key(const Graph& graph, ValueId v);
std::string quant_zero_point_key(const Graph& graph, ValueId v);

// The checkpoint keys of an int8 convolution node: "<node>.qweight" (I8 OIHW), "<node>.weight_scale"
// (F32 [O]), "<node>.qbias" (F32 [O], batch norm folded in).
std::string qweight_key(const Node& node);
std::string weight_scale_key(const Node& node);
std::string qbias_key(const Node& node);

// For every value, the first value of the class it must share its parameters with (itself if none).
std::vector<ValueId> shared_quant_classes(const Graph& graph);

}  // namespace ffnet
