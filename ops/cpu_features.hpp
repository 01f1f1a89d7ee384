#pragma once
// What the CPU can run: its instruction-set features, detected at run time, and the named
// instruction-set levels (sets of features) that kernel families are written for. The kernel
// table (ops/gemm/kernel_table.hpp) is keyed by data type and required features.
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ffnet::ops {

enum class CpuFeature : std::uint8_t {
  // x86-64
  avx2, fma, avx512f, avx512bw, avx512dq, avx512vl, avx512_vnni, avx512_bf16, avx_vnni,
  // aarch64
  asimd, asimddp, i8mm, bf16,
  count,
};

std::string_view feature_name(CpuFeature feature);

// A set of features.
class CpuFeatures {
 public:
  constexpr CpuFeatures() = default;
  constexpr CpuFeatures(std::initializer_list<CpuFeature> features) {
    for (CpuFeature f : features) bits_ |= bit(f);
  }
  constexpr bool has(CpuFeature f) const { return (bits_ & bit(f)) != 0; }
  constexpr bool contains(CpuFeatures other) const { return (bits_ & other.bits_) == other.bits_; }
  constexpr CpuFeatures operator|(CpuFeatures other) const { return from_bits(bits_ | other.bits_); }
  constexpr bool operator==(const CpuFeatures&) const = default;
  std::string str() const;  // "avx2 fma ...", or "none"

 private:
  static constexpr std::uint32_t bit(CpuFeature f) { return std::uint32_t{1} << unsigned(f); }
  static constexpr CpuFeatures from_bits(std::uint32_t bits) {
    CpuFeatures f;
    f.bits_ = bits;
    return f;
  }
  std::uint32_t bits_ = 0;
};

// What this CPU and operating system support (x86: CPUID, and XGETBV for the OS saving the wide
// registers; aarch64: getauxval(AT_HWCAP, AT_HWCAP2)). Detected once.
CpuFeatures cpu_features();

// An instruction-set level: a named feature set, what `--isa NAME` and LoadOptions::isa name.
// A network built for a level uses only kernels whose required features the level has.
struct Isa {
  std::string_view name;
  CpuFeatures features;
  bool operator==(const Isa& other) const { return name == other.name; }

  static const Isa scalar;       // portable C++
  static const Isa avx2_fma;     // AVX2 + FMA (x86-64-v3)
  static const Isa avx_vnni;     // + AVX-VNNI, the 256-bit int8 dot products (no AVX-512)
  static const Isa avx512;       // AVX2 + FMA + AVX-512 F, BW, DQ, VL (x86-64-v4)
  static const Isa avx512_vnni;  // + AVX512_VNNI, and AVX512_BF16 where present
  static const Isa neon;         // aarch64 Advanced SIMD
  static const Isa neon_dot;     // + the dot product instructions (sdot/udot)
  static const Isa neon_i8mm;    // + the int8 matrix multiply extension (usdot/sudot, mmla)
};

inline constexpr Isa Isa::scalar{"scalar", {}};
inline constexpr Isa Isa::avx2_fma{"avx2_fma", {CpuFeature::avx2, CpuFeature::fma}};
inline constexpr Isa Isa::avx_vnni{"avx_vnni", {CpuFeature::avx2, CpuFeature::fma, CpuFeature::avx_vnni}};
inline constexpr Isa Isa::avx512{"avx512", {CpuFeature::avx2, CpuFeature::fma, CpuFeature::avx512f, CpuFeature::avx512bw,
                                            CpuFeature::avx512dq, CpuFeature::avx512vl}};
inline constexpr Isa Isa::avx512_vnni{"avx512_vnni", {CpuFeature::avx2, CpuFeature::fma, CpuFeature::avx512f,
                                                      CpuFeature::avx512bw, CpuFeature::avx512dq, CpuFeature::avx512vl,
                                                      CpuFeature::avx512_vnni}};
inline constexpr Isa Isa::neon{"neon", {CpuFeature::asimd}};
inline constexpr Isa Isa::neon_dot{"neon_dot", {CpuFeature::asimd, CpuFeature::asimddp}};
inline constexpr Isa Isa::neon_i8mm{"neon_i8mm", {CpuFeature::asimd, CpuFeature::asimddp, CpuFeature::i8mm}};

// Every level, from the fewest features to the most within each processor family.
std::span<const Isa> isa_levels();
// The levels this CPU supports, scalar first.
std::vector<Isa> supported_isas();
bool isa_supported(const Isa& isa);
// The richest level this CPU supports (the last of supported_isas()); the environment variable
// FFNET_ISA=<level name> overrides it for testing (refused if unsupported).
Isa best_isa();
inline std::string_view isa_name(const Isa& isa) { return isa.name; }
Isa parse_isa(std::string_view name);  // throws ffnet::Error(usage) for unknown names

}  // namespace ffnet::ops
