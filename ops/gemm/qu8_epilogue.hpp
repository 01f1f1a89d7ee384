#pragma once
// The scalar form of the qu8 epilogue (gemm_kernel.hpp): what every qu8 kernel computes per
// element, and the column tail of the SIMD ones. Internal linkage (per-ISA files include it).
#include <cmath>
#include <cstdint>

#include "ffnet/core/quant.hpp"
#include "ops/gemm/gemm_kernel.hpp"

namespace ffnet::ops::gemm {
namespace {

// Element (i, j) of the tile from its dot product `dot` (sum of a * b).
inline void qu8_store(const QuantEpilogue& e, int i, int j, std::int32_t dot, void* c, std::size_t ldc) {
  const std::int32_t acc = dot - e.correction[i];
  float v = std::fma(float(acc), e.scale[i], e.bias[i]);
  if (e.residual != nullptr)
    v = std::fma(float(int(e.residual[std::size_t(i) * e.ld_residual + std::size_t(j)]) - e.residual_zero),
                 e.residual_scale, v);
  if (e.relu) v = std::max(v, 0.0f);
  const std::size_t at = std::size_t(i) * ldc + std::size_t(j);
  if (e.float_output)
    static_cast<float*>(c)[at] = v;
  else
    static_cast<std::uint8_t*>(c)[at] = quantize_u8(v, e.out_inverse_scale, e.out_zero);
}

}  // namespace
}  // namespace ffnet::ops::gemm
