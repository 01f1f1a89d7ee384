#pragma once
// The scalar form of the qu8 epilogue (gemm_kernel.hpp): what every qu8 kernel computes per
// element, and the partial-tile path of the SIMD ones. Internal linkage (per-ISA files include it).
#include <cmath>
#include <cstdint>

#include "ffnet/core/quant.hpp"
#include "ops/gemm/gemm_kernel.hpp"

namespace ffnet::ops::gemm {
namespace {

// Element (pixel i, channel j) of the tile from its dot product `dot` (sum of a * w).
inline void qu8_store(const QuantEpilogue& e, int i, int j, std::int32_t dot, void* c, std::size_t ldc) {
  const std::int32_t acc = dot - e.correction[j];
  float v = std::fma(float(acc), e.scale[j], e.bias[j]);
  if (e.residual != nullptr)
    v = std::fma(float(int(e.residual[std::size_t(i) * e.ld_residual + std::size_t(j)]) - e.residual_zero),
                 e.residual_scale, v);
  if (e.relu) v = std::max(v, 0.0f);
  if (e.float_output)
    static_cast<float*>(c)[std::size_t(i) * ldc + std::size_t(j)] = v;
  else
    static_cast<std::uint8_t*>(c)[std::size_t(i) * ldc + std::size_t(j)] = quantize_u8(v, e.out_inverse_scale, e.out_zero);
}

// The four channels a pointer holds at `at` (an unaligned 32-bit load).
inline std::int32_t four_bytes(const std::uint8_t* p) {
  std::int32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

}  // namespace
}  // namespace ffnet::ops::gemm
