#pragma once
// 2-D convolution (groups = 1) by GEMM: weights packed once at load, input columns packed
// in tiles at run time (im2col never materialised), bias + residual + ReLU fused at the end.
#include <cstddef>
#include <memory>
#include <span>

#include "ffnet/core/tensor.hpp"
#include "ops/band.hpp"
#include "ops/cpu_features.hpp"

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

// What happens after the multiply-accumulate: out = relu?(conv(in) + bias + residual).
struct ConvEpilogue {
  ConstView residual;  // same dims as the output; data == nullptr means none
  bool relu = false;
};

// How a convolution may be computed.
struct ConvOptions {
  // Winograd F(4x4, 3x3) for 3x3, stride-1, pad-1 convolutions: 4x fewer multiplications,
  // weights 4x larger, results within ~1e-6 relative of the exact sums instead of ~1e-7.
  bool winograd = false;
};

// A convolution ready to run: weights (OIHW, float32) and bias (per output channel, may be
// null for zero) copied into the packed layout of the chosen kernel family and algorithm
// (only that layout is kept).
class PackedConv {
 public:
  PackedConv(const ConvShape& shape, const float* weight_oihw, const float* bias, Isa isa,
             const ConvOptions& options = {});
  ~PackedConv();
  PackedConv(PackedConv&&) noexcept;
  PackedConv& operator=(PackedConv&&) noexcept;

  const ConvShape& shape() const;
  Isa isa() const;
  bool uses_winograd() const;
  // Bytes of the packed weights and bias this convolution holds.
  std::size_t weight_bytes() const;

  // Floats of scratch memory that run() needs for this input size and thread count.
  std::size_t scratch_floats(Dims in, int threads) const;

  // Thread-safe (const, all mutable state in `scratch`). Results do not depend on `threads`.
  void run(ConstView in, View out, const ConvEpilogue& epilogue, int threads,
           std::span<float> scratch) const;

  // Output rows `rows` only (stored in `out`), from `in`, which must hold
  // band_input_rows(rows). rows.first must be a multiple of band_row_alignment() (Winograd
  // computes whole 4-row tiles, and reads their whole input patches). No residual; scratch
  // as for run() on the whole map. Bit-identical to the same rows of run().
  void run_band(ConstBand in, Band out, RowRange rows, bool relu, int threads,
                std::span<float> scratch) const;
  int band_row_alignment() const;
  RowRange band_input_rows(RowRange rows, int in_height) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ffnet::ops
