// The kernel table, in order of preference within each data type: default_gemm_kernel picks
// the first whose required features the ISA level has.
//
// Choice and block sizes measured with bench_gemm on one Zen 4 core (FFNET_BENCH_TUNE=1 sweep
// of MC x KC x NC on stem 7x7/2 3->64, layer1 3x3 64->64 and layer4 3x3 512->512 at the
// 1024x2048 input scale; every config within ~2% of each layer's best was kept as a
// candidate, then the one with the best mean):
// - 6x64 AVX-512 beat 8x48 and 14x32 on 9 of 13 FFNet layers (e.g. layer4 107 vs 104 vs
//   101 GFLOP/s) and tied on the rest; both were dropped (git history has them).
// - KC 256: a B micro-panel (64 KiB) and the MC x KC A block (192 KiB) stay in L2 with the
//   KC x NC B tile (512 KiB); KC 512 measured the same within noise.
// - The AVX2 6x16 kernel reaches the same per-core peak as AVX-512 on Zen 4 (which splits
//   512-bit ops), and the smaller MC 48 was its best.
// - Winograd blocking (tiles transformed and multiplied together, KC of the input channels):
//   64 tiles, KC 128. FFNET_BENCH_TUNE=1 bench_gemm --benchmark_filter=tune_winograd on the 13
//   Winograd-eligible layer shapes of bench_layers.hpp (one Zen 4 VM, 2026-12-01): for 6x64
//   AVX-512 it was within 3% of each layer's best on average at 1 thread (14% at 2, where this
//   VM's noise is of that order), worst 1.10x; every other of the 9 (tiles 64/128/192 x KC
//   64/128/256) lost 3.3x or more on some layer. For 6x16 AVX2 the 12 settings of tiles
//   32..192 x KC 64..256 came within 1.11-1.30x of the best on average, 64/128 among the best
//   (1.13x at 1 thread, 1.22x at 2).
// - The scalar kernel's block sizes are not tuned: it is the fallback and the test oracle.
// - aarch64: one f32 kernel, 8x12 NEON FMA (its file has the register and pipe analysis). Its
//   block sizes are derived from the caches of Cortex-A76 / Neoverse N1 (64 KiB L1D, 512 KiB-1 MiB
//   L2), not measured (no ARM hardware here): KC 256 keeps an A micro-panel (8 x 256 floats,
//   8 KiB) and a B micro-panel (12 x 256, 12 KiB) in under a third of L1D; the MC x KC A block
//   (96 x 256, 96 KiB) and the KC x NC B tile (256 x 384, 384 KiB) together fill a 512 KiB L2 and
//   half of a 1 MiB one. Winograd: 48 tiles (4 x NR, 3 transform groups of 16) x KC 128, so one
//   transform point's B (128 x 48, 24 KiB) stays in L1D next to its A rows.
#include "ops/gemm/kernel_table.hpp"

#include <algorithm>

#include "ffnet/core/error.hpp"
#include "ops/gemm/pack.hpp"

namespace ffnet::ops::gemm {
namespace {

#if defined(__x86_64__)
constexpr WinogradKernels kWinogradAvx512{f32_winograd_f43_input__avx512,
                                          f32_winograd_f43_output__avx512, 64, 128};
#endif

constexpr GemmKernelInfo kKernels[] = {
#if defined(__aarch64__)
    {"f32_gemm_8x12__neonfma", DType::f32, Isa::neon.features, 8, 12, f32_gemm_8x12__neonfma,
     f32_pack_run__neon, {96, 256, 384}, {f32_winograd_f43_input__neon, f32_winograd_f43_output__neon, 48, 128}},
#endif
#if defined(__x86_64__)  // the SIMD kernel libraries are built for x86-64 hosts only
    {"f32_gemm_6x64__avx512", DType::f32, Isa::avx512.features, 6, 64, f32_gemm_6x64__avx512,
     f32_pack_run__avx512, {192, 256, 512}, kWinogradAvx512},
    {"f32_gemm_6x16__avx2_fma", DType::f32, Isa::avx2_fma.features, 6, 16, f32_gemm_6x16__avx2_fma,
     f32_pack_run__avx2, {48, 256, 512}, {f32_winograd_f43_input__avx2, f32_winograd_f43_output__avx2, 64, 128}},
#endif
    {"f32_gemm_4x16__scalar", DType::f32, Isa::scalar.features, 4, 16, f32_gemm_4x16__scalar,
     f32_pack_run__scalar, {128, 256, 256},
     {f32_winograd_f43_input__scalar, f32_winograd_f43_output__scalar, 64, 128}},
};

// qu8: AVX-512 VNNI (vpdpbusd on zmm) first, AVX-VNNI (vpdpbusd on ymm, CPUs without AVX-512),
// AVX2 (u8 and s8 widened to s16, vpmaddwd: exact, no s16 saturation), then the scalar kernel
// that defines the result. The EVEX ymm twin of the AVX-VNNI kernel (same code, AVX-512 VL
// encoding) is never preferred; it is there so that machines with AVX-512 VNNI but no AVX-VNNI
// (Zen 4) test the 256-bit kernel's code.
// aarch64: i8mm (sudot, u8 x s8 directly), the dot product (sdot on a ^ 0x80, 128 * sum w added
// back), plain Advanced SIMD (smull + sadalp on a ^ 0x80); chosen on paper, not measured (no ARM
// hardware here; the files' comments have the analysis).
constexpr CpuFeatures kAvx512Vnni = Isa::avx512_vnni.features;
constexpr Qu8IgemmKernelInfo kQu8Kernels[] = {
#if defined(__x86_64__)
    {"qu8_igemm_8x32c4__avx512vnni", kAvx512Vnni, 8, 32, qu8_igemm_8x32c4__avx512vnni},
    {"qu8_igemm_6x16c4__avxvnni", Isa::avx_vnni.features, 6, 16, qu8_igemm_6x16c4__avxvnni},
    {"qu8_igemm_6x8c4__avx2", Isa::avx2_fma.features, 6, 8, qu8_igemm_6x8c4__avx2},
    {"qu8_igemm_6x16c4__avx512vnni_ymm", kAvx512Vnni, 6, 16, qu8_igemm_6x16c4__avx512vnni_ymm},
#endif
#if defined(__aarch64__)
    {"qu8_igemm_8x8c4__neoni8mm", Isa::neon_i8mm.features, 8, 8, qu8_igemm_8x8c4__neoni8mm},
    {"qu8_igemm_8x8c4__neondot", Isa::neon_dot.features, 8, 8, qu8_igemm_8x8c4__neondot},
    {"qu8_igemm_4x8c4__neon", Isa::neon.features, 4, 8, qu8_igemm_4x8c4__neon},
#endif
    {"qu8_igemm_4x8c4__scalar", Isa::scalar.features, 4, 8, qu8_igemm_4x8c4__scalar},
};

}  // namespace

std::span<const Qu8IgemmKernelInfo> qu8_igemm_kernels() { return kQu8Kernels; }

const Qu8IgemmKernelInfo& default_qu8_igemm_kernel(const Isa& isa) {
  for (const Qu8IgemmKernelInfo& k : kQu8Kernels)
    if (isa.features.contains(k.required)) return k;
  throw_internal("no qu8 kernel for ISA " + std::string(isa.name));
}

bool runnable(const Qu8IgemmKernelInfo& kernel) { return cpu_features().contains(kernel.required); }

std::vector<Isa> isas_with_distinct_qu8_kernels() {
  std::vector<Isa> isas;
  std::vector<const Qu8IgemmKernelInfo*> seen;
  for (const Isa& isa : supported_isas()) {
    const Qu8IgemmKernelInfo* kernel = &default_qu8_igemm_kernel(isa);
    if (std::find(seen.begin(), seen.end(), kernel) != seen.end()) continue;
    seen.push_back(kernel);
    isas.push_back(isa);
  }
  return isas;
}

std::span<const GemmKernelInfo> gemm_kernels() { return kKernels; }

std::vector<Isa> isas_with_distinct_kernels(DType dtype) {
  std::vector<Isa> isas;
  std::vector<const GemmKernelInfo*> seen;
  for (const Isa& isa : supported_isas()) {
    const GemmKernelInfo* kernel = &default_gemm_kernel(dtype, isa);
    if (std::find(seen.begin(), seen.end(), kernel) != seen.end()) continue;
    seen.push_back(kernel);
    isas.push_back(isa);
  }
  return isas;
}

bool runnable(const GemmKernelInfo& kernel) { return cpu_features().contains(kernel.required); }

const GemmKernelInfo& default_gemm_kernel(DType dtype, const Isa& isa) {
  for (const GemmKernelInfo& k : kKernels)
    if (k.dtype == dtype && isa.features.contains(k.required)) return k;
  throw_internal(std::string("no ") + dtype_name(dtype) + " GEMM kernel for ISA " + std::string(isa.name));
}

const GemmKernelInfo* find_gemm_kernel(std::string_view name) {
  for (const GemmKernelInfo& k : kKernels)
    if (k.name == name) return &k;
  return nullptr;
}

namespace {

bool same_packed_a(const GemmKernelInfo& a, const GemmKernelInfo& b) {
  return a.mr == b.mr && a.blocking.kc == b.blocking.kc && a.winograd.kc == b.winograd.kc &&
         a.winograd.tiles == b.winograd.tiles;
}

}  // namespace

const GemmKernelInfo& kernel_for_columns(const GemmKernelInfo& kernel, int columns, const Isa& isa) {
  if (columns >= kernel.nr) return kernel;
  const GemmKernelInfo* best = &kernel;
  for (const GemmKernelInfo& k : kKernels)
    if (k.dtype == kernel.dtype && same_packed_a(k, kernel) && isa.features.contains(k.required) &&
        round_up(columns, k.nr) < round_up(columns, best->nr))
      best = &k;
  return *best;
}

}  // namespace ffnet::ops::gemm
