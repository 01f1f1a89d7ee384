// The AVX-VNNI kernel's code with the EVEX vpdpbusd on ymm (AVX-512 VNNI + VL): what runs it on
// CPUs that have AVX-512 VNNI (the zmm kernel is faster there); it makes the 256-bit VNNI code
// testable on such CPUs. See qu8_itile__avxvnni.hpp.
#include "ops/gemm/qu8_itile__avxvnni.hpp"

namespace ffnet::ops::gemm {
namespace {
struct EvexDot {
  static __m256i dot(__m256i acc, __m256i u8, __m256i s8) { return _mm256_dpbusd_epi32(acc, u8, s8); }
};
}  // namespace

void qu8_igemm_6x16c4__avx512vnni_ymm(int mr, int nr, int kc, int ks, const std::uint8_t* const* a,
                                      const std::int8_t* w, void* c, std::size_t ldc, const QuantEpilogue& epilogue) {
  ymm_vnni::qu8_itile_6x16<EvexDot>(mr, nr, kc, ks, a, w, c, ldc, epilogue);
}

}  // namespace ffnet::ops::gemm
