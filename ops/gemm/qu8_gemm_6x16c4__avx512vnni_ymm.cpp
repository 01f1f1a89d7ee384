// The AVX-VNNI kernel's code with the AVX-512 VNNI encoding of vpdpbusd on ymm: runs where
// AVX-512 VNNI exists without AVX-VNNI (Zen 4), so that the 256-bit kernel is tested there too.
// See qu8_tile__avxvnni.hpp.
#include "ops/gemm/qu8_tile__avxvnni.hpp"

namespace ffnet::ops::gemm {
namespace {

struct EvexDot {
  static __m256i dot(__m256i acc, __m256i u8, __m256i s8) { return _mm256_dpbusd_epi32(acc, u8, s8); }
};

}  // namespace

void qu8_gemm_6x16c4__avx512vnni_ymm(int mr, int nr, std::size_t kc, const std::int8_t* a, const std::uint8_t* b,
                                     void* c, std::size_t ldc, const QuantEpilogue& epilogue) {
  ymm_vnni::qu8_tile_6x16<EvexDot>(mr, nr, kc, a, b, c, ldc, epilogue);
}

}  // namespace ffnet::ops::gemm
