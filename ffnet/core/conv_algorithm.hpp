#pragma once
// How convolutions are computed: shared by the network's load options and the convolution op.

namespace ffnet {

enum class ConvAlgorithm {
  // Per layer and input size, whichever is faster there: Winograd F(4x4, 3x3) on stride-1 3x3
  // layers with enough output pixels to pay for its 4x larger weights, direct GEMM elsewhere.
  fastest,
  // No Winograd: every convolution a direct float sum of its products (tests/test_conv.cpp:
  // within 2.5e-7 of the double-accumulated reference, relative to the sum of the products'
  // magnitudes; Winograd's transforms add rounding: 4.3e-6 on the same tests).
  exact,
  // Winograd on every stride-1 3x3 layer, whatever its size (for tests and measurements).
  winograd,
};

}  // namespace ffnet
