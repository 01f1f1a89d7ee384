// AVX-512 microkernel, 8 rows x 48 columns (24 ZMM accumulators).
#include "ops/gemm/avx512_tile.hpp"

namespace ffnet::ops::gemm {

void f32_gemm_8x48__avx512(int mr, int nr, std::size_t kc, const float* a, const float* b,
                           float* c, std::size_t ldc, const GemmEpilogue& epilogue) {
  avx512::gemm_tile<8, 48>(mr, nr, kc, a, b, c, ldc, epilogue);
}

}  // namespace ffnet::ops::gemm
