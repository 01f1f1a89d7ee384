// Run-time CPU feature detection. x86: CPUID says what the CPU implements, XGETBV whether the OS
// saves the wider register state on context switches (without that, using YMM/ZMM corrupts).
// aarch64: the kernel's hardware capability bits.
#include "ops/cpu_features.hpp"

#include <cstdlib>
#include <string>

#include "ffnet/core/error.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define FFNET_X86 1
#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#define FFNET_AARCH64_LINUX 1
#endif

namespace ffnet::ops {
namespace {

constexpr Isa kLevels[] = {Isa::scalar, Isa::avx2_fma, Isa::avx_vnni, Isa::avx512, Isa::avx512_vnni,
                           Isa::neon, Isa::neon_dot, Isa::neon_i8mm};

constexpr std::string_view kFeatureNames[] = {"avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl",
                                              "avx512_vnni", "avx512_bf16", "avx_vnni", "asimd", "asimddp",
                                              "i8mm", "bf16"};
static_assert(std::size(kFeatureNames) == std::size_t(CpuFeature::count));

#ifdef FFNET_X86
bool bit(unsigned value, int index) { return (value >> index) & 1u; }

struct CpuidRegs {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
};

CpuidRegs cpuid(unsigned leaf, unsigned subleaf) {
  CpuidRegs r;
  if (!__get_cpuid_count(leaf, subleaf, &r.eax, &r.ebx, &r.ecx, &r.edx)) return {};
  return r;
}

// XCR0: which register states the OS enabled. Plain asm so that this file needs no -mxsave.
std::uint64_t xcr0() {
  unsigned lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (std::uint64_t(hi) << 32) | lo;
}

CpuFeatures detect() {
  const CpuidRegs leaf1 = cpuid(1, 0);
  if (!bit(leaf1.ecx, 27) /* OSXSAVE */ || !bit(leaf1.ecx, 28) /* AVX */) return {};
  const std::uint64_t xcr = xcr0();
  const bool os_ymm = (xcr & 0x6) == 0x6;              // SSE + AVX state
  const bool os_zmm = os_ymm && (xcr & 0xE0) == 0xE0;  // opmask + ZMM_Hi256 + Hi16_ZMM
  if (!os_ymm) return {};
  const CpuidRegs leaf7 = cpuid(7, 0), leaf7_1 = cpuid(7, 1);
  CpuFeatures f;
  auto add = [&](bool present, CpuFeature feature) {
    if (present) f = f | CpuFeatures{feature};
  };
  add(bit(leaf7.ebx, 5), CpuFeature::avx2);
  add(bit(leaf1.ecx, 12), CpuFeature::fma);
  add(bit(leaf7_1.eax, 4), CpuFeature::avx_vnni);
  if (os_zmm) {
    add(bit(leaf7.ebx, 16), CpuFeature::avx512f);
    add(bit(leaf7.ebx, 17), CpuFeature::avx512dq);
    add(bit(leaf7.ebx, 30), CpuFeature::avx512bw);
    add(bit(leaf7.ebx, 31), CpuFeature::avx512vl);
    add(bit(leaf7.ecx, 11), CpuFeature::avx512_vnni);
    add(bit(leaf7_1.eax, 5), CpuFeature::avx512_bf16);
  }
  return f;
}
#elif defined(FFNET_AARCH64_LINUX)
CpuFeatures detect() {
  const unsigned long hwcap = getauxval(AT_HWCAP), hwcap2 = getauxval(AT_HWCAP2);
  CpuFeatures f;
  auto add = [&](bool present, CpuFeature feature) {
    if (present) f = f | CpuFeatures{feature};
  };
  add(hwcap & (1ul << 1), CpuFeature::asimd);     // HWCAP_ASIMD
  add(hwcap & (1ul << 20), CpuFeature::asimddp);  // HWCAP_ASIMDDP
  add(hwcap2 & (1ul << 13), CpuFeature::i8mm);    // HWCAP2_I8MM
  add(hwcap2 & (1ul << 14), CpuFeature::bf16);    // HWCAP2_BF16
  return f;
}
#else
CpuFeatures detect() { return {}; }
#endif

}  // namespace

std::string_view feature_name(CpuFeature feature) {
  return unsigned(feature) < std::size(kFeatureNames) ? kFeatureNames[unsigned(feature)] : "unknown";
}

std::string CpuFeatures::str() const {
  std::string out;
  for (unsigned f = 0; f < unsigned(CpuFeature::count); ++f)
    if (has(CpuFeature(f))) {
      if (!out.empty()) out += ' ';
      out += feature_name(CpuFeature(f));
    }
  return out.empty() ? "none" : out;
}

CpuFeatures cpu_features() {
  static const CpuFeatures detected = detect();
  return detected;
}

std::span<const Isa> isa_levels() { return kLevels; }

bool isa_supported(const Isa& isa) { return cpu_features().contains(isa.features); }

std::vector<Isa> supported_isas() {
  std::vector<Isa> isas;
  for (const Isa& isa : kLevels)
    if (isa_supported(isa)) isas.push_back(isa);
  return isas;
}

Isa best_isa() {
  const char* forced = std::getenv("FFNET_ISA");
  if (forced == nullptr || *forced == '\0') return supported_isas().back();
  const Isa isa = parse_isa(forced);
  if (!isa_supported(isa)) throw_usage("FFNET_ISA=" + std::string(forced) + " is not supported by this CPU/OS");
  return isa;
}

Isa parse_isa(std::string_view name) {
  std::string names;
  for (const Isa& isa : kLevels) {
    if (name == isa.name) return isa;
    names += (names.empty() ? "" : ", ") + std::string(isa.name);
  }
  throw_usage("unknown ISA '" + std::string(name) + "' (expected one of " + names + ")");
}

}  // namespace ffnet::ops
