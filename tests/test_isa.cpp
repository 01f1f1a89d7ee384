// CPU features, instruction-set levels, the FFNET_ISA override, and kernel selection keyed by
// data type and features.
#include <doctest/doctest.h>

#include <cstdlib>

#include "ffnet/core/error.hpp"
#include "ops/cpu_features.hpp"
#include "ops/gemm/kernel_table.hpp"

using namespace ffnet::ops;

TEST_CASE("isa: names round-trip, scalar always supported, best is supported and the richest") {
  for (const Isa& isa : isa_levels()) CHECK(parse_isa(isa.name) == isa);
  CHECK_THROWS_AS(parse_isa("avx9"), ffnet::Error);
  const auto isas = supported_isas();
  REQUIRE(!isas.empty());
  CHECK(isas.front() == Isa::scalar);
  CHECK(isa_supported(best_isa()));
  for (const Isa& isa : isas) CHECK(cpu_features().contains(isa.features));
  MESSAGE("this CPU: " << cpu_features().str() << "; best ISA level: " << best_isa().name);
}

TEST_CASE("isa: feature sets say what they hold; levels nest as documented") {
  const CpuFeatures avx2{CpuFeature::avx2, CpuFeature::fma};
  CHECK(avx2.has(CpuFeature::fma));
  CHECK(!avx2.has(CpuFeature::avx512f));
  CHECK(avx2.contains({CpuFeature::avx2}));
  CHECK(!avx2.contains({CpuFeature::avx2, CpuFeature::avx_vnni}));
  CHECK(avx2.contains(CpuFeatures{}));
  CHECK((avx2 | CpuFeatures{CpuFeature::avx_vnni}) == Isa::avx_vnni.features);
  CHECK(avx2.str() == "avx2 fma");
  CHECK(CpuFeatures{}.str() == "none");
  CHECK(Isa::avx512.features.contains(Isa::avx2_fma.features));
  CHECK(Isa::avx512_vnni.features.contains(Isa::avx512.features));
  CHECK(!Isa::avx512.features.contains(Isa::avx_vnni.features));  // AVX-VNNI is not implied by AVX-512
  CHECK(Isa::neon_dot.features.contains(Isa::neon.features));
  CHECK(Isa::neon_i8mm.features.contains(Isa::neon_dot.features));
}

TEST_CASE("isa: FFNET_ISA override") {
  const char* saved = std::getenv("FFNET_ISA");
  const std::string restore = saved ? saved : "";
  setenv("FFNET_ISA", "scalar", 1);
  CHECK(best_isa() == Isa::scalar);
  setenv("FFNET_ISA", "nonsense", 1);
  CHECK_THROWS_AS(best_isa(), ffnet::Error);
  for (const Isa& isa : isa_levels()) {
    setenv("FFNET_ISA", std::string(isa.name).c_str(), 1);
    if (isa_supported(isa))
      CHECK(best_isa() == isa);
    else
      CHECK_THROWS_AS(best_isa(), ffnet::Error);
  }
  if (saved)
    setenv("FFNET_ISA", restore.c_str(), 1);
  else
    unsetenv("FFNET_ISA");
}

TEST_CASE("kernel table: keyed by data type and features, first match in order of preference") {
  using gemm::default_gemm_kernel;
  for (const Isa& isa : isa_levels()) {
    const gemm::GemmKernelInfo& k = default_gemm_kernel(ffnet::DType::f32, isa);
    CAPTURE(isa.name);
    CHECK(k.dtype == ffnet::DType::f32);
    CHECK(isa.features.contains(k.required));
    // No kernel earlier in the table would also have been allowed.
    for (const gemm::GemmKernelInfo& other : gemm::gemm_kernels()) {
      if (&other == &k) break;
      CHECK(!(other.dtype == ffnet::DType::f32 && isa.features.contains(other.required)));
    }
  }
  CHECK(default_gemm_kernel(ffnet::DType::f32, Isa::scalar).name == "f32_gemm_4x16__scalar");
#if defined(__x86_64__)
  CHECK(default_gemm_kernel(ffnet::DType::f32, Isa::avx2_fma).name == "f32_gemm_6x16__avx2_fma");
  CHECK(default_gemm_kernel(ffnet::DType::f32, Isa::avx_vnni).name == "f32_gemm_6x16__avx2_fma");
  CHECK(default_gemm_kernel(ffnet::DType::f32, Isa::avx512).name == "f32_gemm_6x64__avx512");
  CHECK(default_gemm_kernel(ffnet::DType::f32, Isa::avx512_vnni).name == "f32_gemm_6x64__avx512");
#endif
  CHECK_THROWS_AS(default_gemm_kernel(ffnet::DType::bf16, Isa::scalar), ffnet::Error);  // none yet
  // Distinct families: each level listed chooses a kernel none listed before it chose.
  const auto isas = gemm::isas_with_distinct_kernels(ffnet::DType::f32);
  REQUIRE(!isas.empty());
  CHECK(isas.front() == Isa::scalar);
  for (std::size_t i = 1; i < isas.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      CHECK(&default_gemm_kernel(ffnet::DType::f32, isas[i]) != &default_gemm_kernel(ffnet::DType::f32, isas[j]));
}
