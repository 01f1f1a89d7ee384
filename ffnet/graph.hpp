#pragma once
// A model as a list of nodes in execution order over numbered values (activations). The
// graph names the checkpoint tensors each node needs, so the same description yields the
// expected tensor list, the shapes for any input size, and the executable network. Every node
// has the same form: an op's parameters applied to input values, making one output value.
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "ffnet/core/quant.hpp"
#include "ffnet/core/tensor.hpp"
#include "ffnet/model_config.hpp"
#include "ops/conv.hpp"
#include "ops/op.hpp"
#include "ops/pooling.hpp"
#include "ops/resize.hpp"

namespace ffnet {

namespace weights {
class SafetensorsFile;
}

using ValueId = int;
inline constexpr ValueId kNoValue = -1;

// The parameters of each kind of node. Checkpoint tensors are named by their keys.

// out = relu?(bn(conv(input)) + residual); inputs [input] or [input, residual].
struct ConvParams {
  ops::ConvShape shape;
  std::string weight;     // OIHW
  std::string bias;       // the conv's own bias, or empty
  std::string batchnorm;  // prefix of <p>.weight/.bias/.running_mean/.running_var, or empty
  bool relu = false;
};
struct MaxPoolParams {
  ops::MaxPoolShape shape;
};
// out = resize(input, to the height and width of the node's shape_of value) [+ add]; inputs
// [input] or [input, add].
struct ResizeParams {
  ops::ResizeMode mode = ops::ResizeMode::bilinear_align_corners;
};
struct ConcatParams {};  // along channels, inputs in order
struct SmoothingParams {
  std::string weight;  // [C, 1, 5, 5]
};
struct AddParams {};  // inputs [a, b]
struct GlobalPoolParams {};  // output C x 1 x 1
struct QuantizeParams {};  // float -> u8 with the output value's scale and zero point (int8 graphs)
struct LinearParams {
  std::string weight;  // [out, in]
  std::string bias;    // [out]
  int in_features = 0;
  int out_features = 0;
};

using NodeParams = std::variant<ConvParams, MaxPoolParams, ResizeParams, ConcatParams, SmoothingParams, AddParams,
                                GlobalPoolParams, LinearParams, QuantizeParams>;

struct Node {
  std::string name;
  NodeParams params;
  std::vector<ValueId> inputs;   // the values whose data the op reads, in its order
  ValueId output = kNoValue;
  ValueId shape_of = kNoValue;   // resize: the value whose height and width the output takes
};

struct Graph {
  std::vector<Node> nodes;               // execution order
  std::vector<std::string> value_names;  // by ValueId; named features ("stem", "layer1", "s4", ...)
  ValueId input = kNoValue;
  ValueId output = kNoValue;
  // int8 graphs only (quantized_graph.hpp), by ValueId: u8 or f32, and a u8 value's parameters.
  std::vector<DType> value_dtypes;
  std::vector<QuantParams> value_quant;

  int value_count() const { return int(value_names.size()); }
  bool quantized() const { return !value_dtypes.empty(); }
  DType dtype(ValueId v) const { return quantized() ? value_dtypes[std::size_t(v)] : DType::f32; }
};

Graph build_graph(const ModelConfig& config);

// What each kind of node means (node_kinds.cpp, one place for all of them):

// The kind of a node, as profiles show it: "conv", "max_pool", "resize", ...
const char* node_kind(const Node& node);

// Dims of every value for an input of `input` (throws ffnet::Error(input) when the size is
// too small for some layer).
std::vector<Dims> infer_dims(const Graph& graph, Dims input);

// Floating-point operations of a node producing `output` (2 per multiply-add for convs and
// the linear layer; one per output element for the cheap ops).
double node_flops(const Node& node, Dims output);
// node_flops summed over the graph for the value dims `dims` (one forward pass, one image):
// what --benchmark and --profile report.
double graph_flops(const Graph& graph, const std::vector<Dims>& dims);

struct TensorSpec {
  std::string name;
  std::vector<std::int64_t> shape;
  DType dtype = DType::f32;  // f32: any floating-point type the loader widens; else exactly this
};

// Every tensor the graph reads from a checkpoint (batch-norm running statistics included,
// num_batches_tracked not), in execution order.
std::vector<TensorSpec> required_tensors(const Graph& graph);
// Tensors a checkpoint may carry that the model ignores: every batch norm's
// num_batches_tracked, and for `_mobile` models without `_pre_down` the smoothing weight
// of the `_pre_down` variant they share their checkpoint with.
std::vector<std::string> ignored_tensors(const Graph& graph, const ModelConfig& config);

// What making a node's op needs besides the node.
struct NodeContext {
  const Graph& graph;
  const weights::SafetensorsFile& file;
  const ops::OpConfig& config;
  const std::vector<Dims>& natural;  // value dims at the model's natural input size (infer_dims)
};

// A float file's convolution weight (OIHW) and bias with its batch norm folded in (refused if
// not finite).
std::pair<Tensor, Tensor> folded_conv_weights(const weights::SafetensorsFile& file, const ConvParams& conv);

// The node as an op, at load: its checkpoint tensors read from the file (refused if not
// finite), batch norm folded into the convolution before it (float graphs), then made by the
// ops layer's make_* function for the config (fast kernels of an ISA level, or the reference):
// the float op, or in an int8 graph the one for its values' types and quantisation.
std::unique_ptr<ops::Op> make_node_op(const Node& node, const NodeContext& context);

}  // namespace ffnet
