#pragma once
// Model files with random weights of the right shapes, for tests that need a loadable Network
// but not PyTorch's numbers (concurrency, independence from the file, memory limits).
#include <cstdint>
#include <string>

#include "ffnet/network.hpp"
#include "ffnet/core/tensor.hpp"

namespace ffnet::testing {

// Writes a safetensors file for the published model `model` with weights drawn from `seed`
// (He-uniform convolutions, batch norms with positive scales and variances, so activations stay
// finite and varied). The metadata names the model.
void write_random_model(const std::string& path, const std::string& model, std::uint32_t seed);

// The same for the int8 graph (quantized_graph.hpp): random int8 weights with per-channel
// scales for a unit-variance activation, float biases, and activation scales and zero points
// (zero 0 after a ReLU; one per class that must share them). Metadata: the model, the int8 format.
void write_random_int8_model(const std::string& path, const std::string& model, std::uint32_t seed);

// write_random_model (or the int8 one) to a temporary file, loaded with `options`; the file is
// removed again.
Network load_random_model(const std::string& model, std::uint32_t seed, const LoadOptions& options = {},
                          bool int8 = false);

// A 1 x 3 x height x width input of uniform values in [-2, 2].
Tensor random_input(int height, int width, std::uint32_t seed);

}  // namespace ffnet::testing
