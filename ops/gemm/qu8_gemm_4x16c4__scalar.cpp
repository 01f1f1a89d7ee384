// The qu8 microkernel in portable C++, 4 rows x 16 columns: the definition of the int8 result
// (gemm_kernel.hpp) that the SIMD kernels match bit for bit, and the fallback.
#include "ops/gemm/qu8_epilogue.hpp"

namespace ffnet::ops::gemm {

void qu8_gemm_4x16c4__scalar(int mr, int nr, std::size_t kc, const std::int8_t* a, const std::uint8_t* b, void* c,
                             std::size_t ldc, const QuantEpilogue& epilogue) {
  constexpr int MR = 4, NR = 16;
  std::int32_t acc[MR][NR] = {};
  for (std::size_t k = 0; k < kc; k += 4) {
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NR; ++j)
        for (int q = 0; q < 4; ++q) acc[i][j] += std::int32_t(a[i * 4 + q]) * std::int32_t(b[j * 4 + q]);
    a += MR * 4;
    b += NR * 4;
  }
  for (int i = 0; i < mr; ++i)
    for (int j = 0; j < nr; ++j) qu8_store(epilogue, i, j, acc[i][j], c, ldc);
}

}  // namespace ffnet::ops::gemm
