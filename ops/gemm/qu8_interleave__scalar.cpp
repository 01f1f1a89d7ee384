// qu8_interleave4 (qu8_pack.hpp) in portable C++, for hosts without a SIMD file of their own.
#include "ops/gemm/qu8_pack.hpp"

namespace ffnet::ops::gemm {

void qu8_interleave4(const std::uint8_t* const rows[4], int len, std::uint8_t* dst) {
  for (int j = 0; j < len; ++j)
    for (int q = 0; q < 4; ++q) dst[j * 4 + q] = rows[q][j];
}

}  // namespace ffnet::ops::gemm
