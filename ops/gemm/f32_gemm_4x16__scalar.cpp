// Portable 4x16 microkernel: plain C++, the fallback for CPUs without AVX2 and the baseline
// the SIMD kernels are tested against. The compiler is free to auto-vectorise it for SSE2.
#include "ops/gemm/gemm_kernel.hpp"

namespace ffnet::ops::gemm {

void f32_gemm_4x16__scalar(int mr, int nr, std::size_t kc, const float* a, const float* b,
                           float* c, std::size_t ldc, const GemmEpilogue& epilogue) {
  constexpr int MR = 4;
  constexpr int NR = 16;
  float acc[MR][NR];
  for (int i = 0; i < MR; ++i) {
    for (int j = 0; j < NR; ++j) {
      const bool inside = i < mr && j < nr;
      if (epilogue.start == GemmEpilogue::Start::accumulate)
        acc[i][j] = inside ? c[i * ldc + j] : 0.0f;
      else
        acc[i][j] = (epilogue.bias != nullptr && i < mr) ? epilogue.bias[i] : 0.0f;
    }
  }
  for (std::size_t k = 0; k < kc; ++k) {
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NR; ++j) acc[i][j] += a[i] * b[j];
    a += MR;
    b += NR;
  }
  const bool residual = epilogue.last_k_block && epilogue.residual != nullptr;
  const bool relu = epilogue.last_k_block && epilogue.relu;
  for (int i = 0; i < mr; ++i) {
    for (int j = 0; j < nr; ++j) {
      float v = acc[i][j];
      if (residual) v += epilogue.residual[i * epilogue.ld_residual + j];
      if (relu) v = v < 0.0f ? 0.0f : v;  // NaN passes, as in PyTorch; the same rule as the SIMD max(0, v)
      c[i * ldc + j] = v;
    }
  }
}

}  // namespace ffnet::ops::gemm
