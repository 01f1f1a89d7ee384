// AVX-VNNI qu8 microkernel (256-bit vpdpbusd, VEX: CPUs without AVX-512, e.g. Alder Lake, Zen 5
// client parts). See qu8_tile__avxvnni.hpp.
#include "ops/gemm/qu8_tile__avxvnni.hpp"

namespace ffnet::ops::gemm {
namespace {

struct VexDot {
  static __m256i dot(__m256i acc, __m256i u8, __m256i s8) { return _mm256_dpbusd_avx_epi32(acc, u8, s8); }
};

}  // namespace

void qu8_gemm_6x16c4__avxvnni(int mr, int nr, std::size_t kc, const std::int8_t* a, const std::uint8_t* b, void* c,
                              std::size_t ldc, const QuantEpilogue& epilogue) {
  ymm_vnni::qu8_tile_6x16<VexDot>(mr, nr, kc, a, b, c, ldc, epilogue);
}

}  // namespace ffnet::ops::gemm
