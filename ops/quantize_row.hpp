#pragma once
// q[i] = quantize_u8(x[i], inv, z) (ffnet/core/quant.hpp) for a row of floats: the inner loop of
// the int8 quantise and resize ops. One file per instruction-set family
// (quantize_row__<family>.cpp, picked by the build for the host's CPU family): the compiler does
// not vectorise the scalar definition (the clamps are comparisons that may trap).
#include <cstdint>

namespace ffnet::ops {

void quantize_row(const float* x, float inv, int z, std::uint8_t* q, int count);

}  // namespace ffnet::ops
