#pragma once
// Winograd F(4x4, 3x3) convolution for stride-1, pad-1 3x3 layers: 36 products per 4x4 output
// tile instead of 144 (4x fewer multiplications), at the cost of weights 4x larger (36 per
// input-output pair instead of 9) and transforms on the way in and out.
//
// For each block of `tiles` output tiles: the input transform writes V[xi] (channels x tiles)
// straight into packed B micro-panels, one K block at a time; 36 GEMMs M[xi] = U[xi] x V[xi]
// run through the kernel's microkernel with the weights U[xi] packed once at load; the output
// transform turns M back into 4x4 tiles with bias, residual and ReLU fused. Threads take whole
// blocks when the map has many; on a map of few blocks they share each block, splitting the
// input transform by channels, the 36 products by point and the output transform by channel.
// Only one block's V and M exist at a time per thread (shared: one in all).
#include <cstddef>
#include <span>

#include "ffnet/core/tensor.hpp"
#include "ops/conv.hpp"
#include "ops/gemm/kernel_table.hpp"
#include "ops/gemm/pack.hpp"

namespace ffnet::ops::gemm {

// What happens after the products: out = relu?(conv(in) + bias + residual).
struct ConvEpilogue {
  ConstView residual;  // same dims as the output; data == nullptr means none
  bool relu = false;
};

inline bool winograd_applies(const ConvShape& s) {
  return s.kernel_h == 3 && s.kernel_w == 3 && s.stride == 1 && s.pad == 1;
}

// Layout of each of the 36 packed weight matrices (out_channels x in_channels).
PackedALayout winograd_a_layout(const GemmKernelInfo& kernel, const ConvShape& shape);
std::size_t winograd_weight_floats(const GemmKernelInfo& kernel, const ConvShape& shape);

// Transforms OIHW weights (in double) and packs the 36 matrices into `packed`, which must
// be zero-filled (winograd_weight_floats floats).
void winograd_pack_weights(const GemmKernelInfo& kernel, const ConvShape& shape,
                           const float* weight_oihw, float* packed);

// Scratch for the whole output map `out` (enough for any band of it).
std::size_t winograd_scratch_floats(const GemmKernelInfo& kernel, const ConvShape& shape,
                                    Dims out, int threads);

// The 4x4 output tiles of a map of `out`.
inline int winograd_tiles(Dims out) { return ((out.h + 3) / 4) * ((out.w + 3) / 4); }

// Output rows `rows` (rows.first a multiple of 4) of out = relu?(conv(in) + bias + residual),
// stored in the band `out` (the residual laid out alike), from the band `in`, which must hold
// band_input_rows of a 3x3/1 pad-1 window aligned to 4 rows (the conv op checks both). The whole map: both bands
// from row 0, rows [0, height). Bit-identical for any thread count and any band.
void winograd_conv(const GemmKernelInfo& kernel, const Isa& isa, const ConvShape& shape, const float* packed,
                   const float* bias, ConstBand in, Band out, RowRange rows,
                   const ConvEpilogue& epilogue, int threads, std::span<float> scratch);

}  // namespace ffnet::ops::gemm
