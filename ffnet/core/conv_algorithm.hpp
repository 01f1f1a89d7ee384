#pragma once
// How convolutions are computed: shared by the network's load options and the convolution op.

namespace ffnet {

enum class ConvAlgorithm {
  // Per layer and input size, whichever is faster there: Winograd F(4x4, 3x3) on stride-1 3x3
  // layers with enough output pixels to pay for its 4x larger weights, direct GEMM elsewhere.
  fastest,
  // No Winograd: every convolution summed exactly as the reference does (within ~1e-7).
  exact,
  // Winograd on every stride-1 3x3 layer, whatever its size (for tests and measurements).
  winograd,
};

}  // namespace ffnet
