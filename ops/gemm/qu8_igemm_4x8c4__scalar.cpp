// The qu8 microkernel in portable C++, 4 pixels x 8 channels: the definition of the int8 result
// (gemm_kernel.hpp) that the SIMD kernels match bit for bit, and the fallback.
#include "ops/gemm/qu8_epilogue.hpp"

namespace ffnet::ops::gemm {

void qu8_igemm_4x8c4__scalar(int mr, int nr, int kc, int ks, const std::uint8_t* const* a, const std::int8_t* w,
                             void* c, std::size_t ldc, const QuantEpilogue& epilogue) {
  constexpr int MR = 4, NR = 8;
  std::int32_t acc[MR][NR] = {};
  const int groups = (kc + 3) / 4;
  for (int t = 0; t < ks; ++t) {
    for (int g = 0; g < groups; ++g) {
      for (int i = 0; i < MR; ++i) {
        const std::uint8_t* x = a[t * MR + i] + 4 * g;
        for (int j = 0; j < NR; ++j)
          for (int q = 0; q < 4; ++q) acc[i][j] += std::int32_t(x[q]) * std::int32_t(w[j * 4 + q]);
      }
      w += NR * 4;
    }
  }
  for (int i = 0; i < mr; ++i)
    for (int j = 0; j < nr; ++j) qu8_store(epilogue, i, j, acc[i][j], c, ldc);
}

}  // namespace ffnet::ops::gemm
