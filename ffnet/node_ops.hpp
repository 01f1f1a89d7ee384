#pragma once
// How each node of the graph becomes an op at load: its checkpoint tensors read (refused if not
// finite), batch norm folded into the convolution before it, then made by the ops layer's
// make_* function for `config` (fast kernels of an ISA level, or the reference).
#include <memory>

#include "ffnet/graph.hpp"
#include "ops/op.hpp"
#include "weights/safetensors.hpp"

namespace ffnet {

std::unique_ptr<ops::Op> make_node_op(const Node& node, const weights::SafetensorsFile& file,
                                      const ops::OpConfig& config);

}  // namespace ffnet
