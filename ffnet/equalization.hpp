#pragma once
// Cross-layer equalisation (Nagel et al., "Data-Free Quantization Through Weight Equalization
// and Bias Correction", 2019): for a convolution A followed by ReLU whose output only a
// convolution B reads, scaling A's output channel i by 1 / s_i and B's input channel i by s_i
// leaves the network's function unchanged (ReLU(x / s) = ReLU(x) / s for s > 0). With
// s_i = sqrt(r_A(i) / r_B(i)), where r_A(i) is the largest |weight| of A's output channel i and
// r_B(i) that of B's input channel i (both with batch norm folded in), the two ranges become
// equal, so that per-channel 8-bit weights lose less on A's small channels.
#include <map>
#include <string>

#include "ffnet/core/tensor.hpp"
#include "ffnet/graph.hpp"

namespace ffnet {

// Equalises every such pair of a float graph in `tensors` (the checkpoint's float tensors by
// name, changed in place: A's batch norm gamma and beta, or its weight and bias without one,
// and B's weight), sweeping the pairs until no scale moves by more than 0.1 % (chains A -> B -> C
// share B). Returns the number of pairs.
int equalize_layers(const Graph& graph, std::map<std::string, Tensor>& tensors);

}  // namespace ffnet
