#pragma once
// The int8 convolution as an indirect GEMM (gemm_kernel.hpp): output pixels in tiles of MR, each
// tile's taps given to the microkernel as pointers into the channels-last u8 input (nothing of
// the activations is copied), output channels in the packed weights' blocks of NR. Threaded
// with OpenMP; bit-identical for any thread count.
#include <cstddef>
#include <span>

#include "ffnet/core/tensor.hpp"
#include "ops/gemm/kernel_table.hpp"
#include "ops/gemm/qu8_pack.hpp"

namespace ffnet::ops::gemm {

// Where each output pixel's taps read: a band of the input (channels-last, rows [row0, row0 +
// input.dims.h) of a map of `height` rows) and the convolution's window.
struct Qu8IgemmInput {
  BasicView<const std::uint8_t> input;
  int row0 = 0;
  int height = 0;
  int kernel_h = 1;
  int kernel_w = 1;
  int stride = 1;
  int pad = 0;
  std::uint8_t zero_point = 0;  // what the padding reads
};

struct Qu8IgemmProblem {
  Qu8IgemmInput in;
  int out_w = 0;
  int pixel0 = 0;  // the output pixels computed: [pixel0, pixel0 + pixels), pixel = y * out_w + x
  int pixels = 0;
  const std::int8_t* packed = nullptr;  // qu8_igemm_pack_weights, for the kernel's NR
  Qu8WeightLayout weights;              // qu8_igemm_weight_layout
  // Output pixel p, channel j: u8 at c[(p - c_pixel0) * ldc + j] (ldc = out_channels), or with
  // float_output at c[j * ldc + p - c_pixel0] (ldc = the output plane; the driver transposes the
  // kernels' channels-last tiles into it). The residual, if any, at
  // epilogue.residual[(p - c_pixel0) * ld_residual + j].
  void* c = nullptr;
  std::size_t ldc = 0;
  int c_pixel0 = 0;
  QuantEpilogue epilogue;  // per-channel arrays for all output channels
};

// A channel count that is not a multiple of 4 (the stem's 3 colours) would leave part of every
// tap's last 4-byte lane to zero weights: such a convolution's taps are gathered into one patch
// per pixel (taps x channels bytes, tap-major), and its weights packed as one tap of that depth.
bool qu8_igemm_gathers_patches(int in_channels, int taps);
// The packed weights' layout for the kernel's NR, and the packing from OIHW weights.
Qu8WeightLayout qu8_igemm_weight_layout(int out_channels, int in_channels, int taps, int nr);
void qu8_igemm_pack_weights(const std::int8_t* oihw, int in_channels, const Qu8WeightLayout& layout,
                            std::int8_t* packed);

std::size_t qu8_igemm_scratch_bytes(const Qu8IgemmKernelInfo& kernel, int in_channels, int taps, bool float_output,
                                    int threads);
void qu8_igemm(const Qu8IgemmKernelInfo& kernel, const Qu8IgemmProblem& problem, int threads,
               std::span<std::byte> scratch);

}  // namespace ffnet::ops::gemm
