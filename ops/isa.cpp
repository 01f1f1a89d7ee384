// Run-time ISA detection: CPUID says what the CPU implements, XGETBV whether the OS saves
// the wider register state on context switches (without that, using YMM/ZMM corrupts).
#include "ops/isa.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

#include "ffnet/core/error.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define FFNET_X86 1
#endif

namespace ffnet::ops {
namespace {

struct CpuFeatures {
  bool avx2_fma = false;
  bool avx512 = false;  // F + BW + VL + DQ, the subsets the kernels are compiled for
};

#ifdef FFNET_X86
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

bool bit(unsigned value, int index) { return (value >> index) & 1u; }

CpuFeatures detect() {
  CpuFeatures f;
  const CpuidRegs leaf1 = cpuid(1, 0);
  const bool osxsave = bit(leaf1.ecx, 27);
  if (!osxsave || !bit(leaf1.ecx, 28) /* AVX */ || !bit(leaf1.ecx, 12) /* FMA */) return f;
  const std::uint64_t xcr = xcr0();
  const bool os_ymm = (xcr & 0x6) == 0x6;              // SSE + AVX state
  const bool os_zmm = os_ymm && (xcr & 0xE0) == 0xE0;  // opmask + ZMM_Hi256 + Hi16_ZMM
  const CpuidRegs leaf7 = cpuid(7, 0);
  f.avx2_fma = os_ymm && bit(leaf7.ebx, 5);
  f.avx512 = f.avx2_fma && os_zmm && bit(leaf7.ebx, 16) /* F */ && bit(leaf7.ebx, 17) /* DQ */ &&
             bit(leaf7.ebx, 30) /* BW */ && bit(leaf7.ebx, 31) /* VL */;
  return f;
}
#else
CpuFeatures detect() { return {}; }
#endif

const CpuFeatures& features() {
  static const CpuFeatures f = detect();
  return f;
}

Isa detected_best() {
  if (features().avx512) return Isa::avx512;
  if (features().avx2_fma) return Isa::avx2_fma;
  return Isa::scalar;
}

}  // namespace

bool isa_supported(Isa isa) {
  switch (isa) {
    case Isa::scalar: return true;
    case Isa::avx2_fma: return features().avx2_fma;
    case Isa::avx512: return features().avx512;
  }
  return false;
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::scalar, Isa::avx2_fma, Isa::avx512})
    if (isa_supported(isa)) isas.push_back(isa);
  return isas;
}

Isa best_isa() {
  const char* forced = std::getenv("FFNET_ISA");
  if (forced == nullptr || *forced == '\0') return detected_best();
  const Isa isa = parse_isa(forced);
  if (!isa_supported(isa))
    throw_usage("FFNET_ISA=" + std::string(forced) + " is not supported by this CPU/OS");
  return isa;
}

std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::scalar: return "scalar";
    case Isa::avx2_fma: return "avx2_fma";
    case Isa::avx512: return "avx512";
  }
  return "unknown";
}

Isa parse_isa(std::string_view name) {
  for (Isa isa : {Isa::scalar, Isa::avx2_fma, Isa::avx512})
    if (name == isa_name(isa)) return isa;
  throw_usage("unknown ISA '" + std::string(name) + "' (expected scalar, avx2_fma or avx512)");
}

}  // namespace ffnet::ops
