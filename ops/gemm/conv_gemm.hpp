#pragma once
// How a convolution maps onto the GEMM: shared by PackedConv and the benchmarks that run the
// same problem with other kernels from the table.
#include "ffnet/core/tensor.hpp"
#include "ops/conv.hpp"
#include "ops/gemm/gemm_driver.hpp"

namespace ffnet::ops::gemm {

inline int conv_gemm_k(const ConvShape& s) { return s.in_channels * s.kernel_h * s.kernel_w; }

// A 1x1, stride-1, unpadded convolution's input already is the K x N matrix B.
inline bool conv_is_plain_gemm(const ConvShape& s) {
  return s.kernel_h == 1 && s.kernel_w == 1 && s.stride == 1 && s.pad == 0;
}

inline BSource conv_b_source(const ConvShape& s, ConstView in, Dims out) {
  if (conv_is_plain_gemm(s)) return MatrixB{in.data, in.dims.plane()};
  return Im2colB{in, s.kernel_h, s.kernel_w, s.stride, s.pad, out.w};
}

}  // namespace ffnet::ops::gemm
