// quantize_row (quantize_row.hpp) in portable C++, for hosts without a SIMD file of their own.
#include "ffnet/core/quant.hpp"
#include "ops/quantize_row.hpp"

namespace ffnet::ops {

void quantize_row(const float* x, float inv, int z, std::uint8_t* q, int count) {
  for (int i = 0; i < count; ++i) q[i] = quantize_u8(x[i], inv, z);
}

}  // namespace ffnet::ops
