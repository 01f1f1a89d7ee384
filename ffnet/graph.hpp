#pragma once
// A model as a list of nodes in execution order over numbered values (activations). The
// graph names the checkpoint tensors each node needs, so the same description yields the
// expected tensor list, the shapes for any input size, and the executable network.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "ffnet/model_config.hpp"
#include "ffnet/core/tensor.hpp"
#include "ops/conv.hpp"
#include "ops/pooling.hpp"
#include "ops/resize.hpp"

namespace ffnet {

using ValueId = int;
inline constexpr ValueId kNoValue = -1;

// Where a convolution's parameters live in the checkpoint.
struct ConvParams {
  std::string weight;     // OIHW
  std::string bias;       // the conv's own bias, or empty
  std::string batchnorm;  // prefix of <p>.weight/.bias/.running_mean/.running_var, or empty
};

// out = relu?(bn(conv(input)) + residual)
struct ConvNode {
  std::string name;
  ops::ConvShape shape;
  ConvParams params;
  bool relu = false;
  ValueId input = kNoValue;
  ValueId residual = kNoValue;
  ValueId output = kNoValue;
};

struct MaxPoolNode {
  std::string name;
  ops::MaxPoolShape shape;
  ValueId input = kNoValue;
  ValueId output = kNoValue;
};

// out = resize(input, to the height and width of `size_of`) + add
struct ResizeNode {
  std::string name;
  ops::ResizeMode mode = ops::ResizeMode::bilinear_align_corners;
  ValueId input = kNoValue;
  ValueId size_of = kNoValue;
  ValueId add = kNoValue;
  ValueId output = kNoValue;
};

struct ConcatNode {
  std::string name;
  std::vector<ValueId> inputs;
  ValueId output = kNoValue;
};

struct SmoothingNode {
  std::string name;
  std::string weight;  // [C, 1, 5, 5]
  ValueId input = kNoValue;
  ValueId output = kNoValue;
};

struct AddNode {
  std::string name;
  ValueId a = kNoValue;
  ValueId b = kNoValue;
  ValueId output = kNoValue;
};

struct GlobalPoolNode {
  std::string name;
  ValueId input = kNoValue;
  ValueId output = kNoValue;  // C x 1 x 1
};

struct LinearNode {
  std::string name;
  std::string weight;  // [out, in]
  std::string bias;    // [out]
  int in_features = 0;
  int out_features = 0;
  ValueId input = kNoValue;
  ValueId output = kNoValue;
};

using Node = std::variant<ConvNode, MaxPoolNode, ResizeNode, ConcatNode, SmoothingNode, AddNode,
                          GlobalPoolNode, LinearNode>;

struct Graph {
  std::vector<Node> nodes;               // execution order
  std::vector<std::string> value_names;  // by ValueId; named features ("stem", "layer1", "s4", ...)
  ValueId input = kNoValue;
  ValueId output = kNoValue;

  int value_count() const { return int(value_names.size()); }
  ValueId find_value(const std::string& name) const;
};

Graph build_graph(const ModelConfig& config);

// Dims of every value for an input of `input` (throws ffnet::Error(input) when the size is
// too small for some layer).
std::vector<Dims> infer_dims(const Graph& graph, Dims input);

// Inputs and output of a node, for liveness and shape inference.
std::vector<ValueId> node_inputs(const Node& node);
ValueId node_output(const Node& node);
const std::string& node_name(const Node& node);
const char* node_kind(const Node& node);

// Floating-point operations of a node producing `output` (2 per multiply-add for convs and
// the linear layer; one per output element for the cheap ops).
double node_flops(const Node& node, Dims output);
// node_flops summed over the graph for the value dims `dims` (one forward pass, one image):
// what --benchmark and --profile report.
double graph_flops(const Graph& graph, const std::vector<Dims>& dims);

struct TensorSpec {
  std::string name;
  std::vector<std::int64_t> shape;
};

// Every tensor the graph reads from a checkpoint (batch-norm running statistics included,
// num_batches_tracked not), in execution order.
std::vector<TensorSpec> required_tensors(const Graph& graph);
// Tensors a checkpoint may carry that the model ignores: every batch norm's
// num_batches_tracked, and for `_mobile` models without `_pre_down` the smoothing weight
// of the `_pre_down` variant they share their checkpoint with.
std::vector<std::string> ignored_tensors(const Graph& graph, const ModelConfig& config);

}  // namespace ffnet
