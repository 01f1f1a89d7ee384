// AVX-VNNI qu8 microkernel (vpdpbusd on ymm, VEX-encoded: CPUs with AVX-VNNI but not AVX-512,
// such as Intel's client parts). See qu8_itile__avxvnni.hpp.
#include "ops/gemm/qu8_itile__avxvnni.hpp"

namespace ffnet::ops::gemm {
namespace {
struct VexDot {
  static __m256i dot(__m256i acc, __m256i u8, __m256i s8) { return _mm256_dpbusd_avx_epi32(acc, u8, s8); }
};
}  // namespace

void qu8_igemm_6x16c4__avxvnni(int mr, int nr, int kc, int ks, const std::uint8_t* const* a, const std::int8_t* w,
                               void* c, std::size_t ldc, const QuantEpilogue& epilogue) {
  ymm_vnni::qu8_itile_6x16<VexDot>(mr, nr, kc, ks, a, w, c, ldc, epilogue);
}

}  // namespace ffnet::ops::gemm
