#pragma once
// 2-D convolution (groups = 1) with its epilogue: out = relu?(conv(in) + bias + residual).
// The fast implementation (ops/gemm/conv_op.cpp) packs the weights once at create and, at
// reshape, chooses for the actual size between a direct GEMM (input columns packed in tiles:
// im2col never materialised) and Winograd F(4x4, 3x3) (ops/gemm/winograd.hpp), whose 4x larger
// transformed weights are made on first need and shared by every Workspace.
#include <memory>
#include <span>

#include "ffnet/core/tensor.hpp"
#include "ops/op.hpp"

namespace ffnet::ops {

// Geometry of a convolution. Stride and zero padding are the same along both axes.
struct ConvShape {
  int in_channels = 0;
  int out_channels = 0;
  int kernel_h = 1;
  int kernel_w = 1;
  int stride = 1;
  int pad = 0;

  bool operator==(const ConvShape&) const = default;
};

// Output size for an input of `in` (throws ffnet::Error if channels disagree or the output
// would be empty).
Dims conv_output_dims(const ConvShape& shape, Dims in);

// What the op computes: inputs [x] or, with a residual, [x, residual] (the output's dims).
struct ConvSpec {
  ConvShape shape;
  bool residual = false;
  bool relu = false;
  // Whether the layer may hold Winograd's weights (4x the plain ones) when ConvAlgorithm::fastest
  // finds Winograd faster for an input size. ConvAlgorithm::winograd ignores it.
  bool winograd_weights = true;
};

// weight_oihw: out x in x kh x kw floats; bias: out floats, or empty for none. Copied into the
// packed layout of the kernels `config` selects (only that layout is kept).
std::unique_ptr<Op> make_conv(const ConvSpec& spec, std::span<const float> weight_oihw, std::span<const float> bias,
                              const OpConfig& config);

}  // namespace ffnet::ops
