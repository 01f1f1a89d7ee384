// One core's peaks, measured: independent vector chains (enough to cover the latency on every
// pipe): fp32 FMA on the widest vectors of this machine and on 256-bit ones (what the AVX2
// kernels can reach: the same on CPUs that split 512-bit operations, half on those with two
// 512-bit FMA pipes), and int8 dot products (vpdpbusd, where the CPU has VNNI; 2 ops per u8 x s8
// multiply-add; on AArch64 sdot, where the CPU has the dot-product extension). Compiled with
// -march=native where the compiler can (not in a cross build: there the baseline).
#include "bench_peak.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>

#if defined(__aarch64__)
#include "ops/cpu_features.hpp"
#endif

namespace ffnet::bench {
namespace {

typedef float Vec4 __attribute__((vector_size(16)));
typedef float Vec8 __attribute__((vector_size(32)));
typedef float Vec16 __attribute__((vector_size(64)));
// The dot products' operands: plain vectors of bytes (no intrinsics headers in this file).
typedef signed char Bytes16 __attribute__((vector_size(16)));
typedef signed char Bytes32 __attribute__((vector_size(32)));
typedef signed char Bytes64 __attribute__((vector_size(64)));
#if defined(__AVX512F__)
using Widest = Vec16;
#elif defined(__AVX__)
using Widest = Vec8;
#else
using Widest = Vec4;
#endif
template <class Vec>
constexpr int kLanesOf = int(sizeof(Vec) / sizeof(float));

constexpr int kChains = 16;

template <class Vec>
double run_chains(long iterations) {
  constexpr int kLanes = kLanesOf<Vec>;
  volatile float seed = 0.999999f;
  Vec acc[kChains], mul, add;
  for (int i = 0; i < kLanes; ++i) {
    mul[i] = seed;
    add[i] = seed * 1e-6f;
  }
#pragma GCC unroll 16
  for (int c = 0; c < kChains; ++c) acc[c] = mul * float(c);
  for (long it = 0; it < iterations; ++it) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) {
      acc[c] = acc[c] * mul + add;
#if defined(__aarch64__)
      asm volatile("" : "+w"(acc[c]));  // one FMA per chain per iteration, kept in a register
#else
      asm volatile("" : "+v"(acc[c]));
#endif
    }
  }
  float sum = 0;
#pragma GCC unroll 16
  for (int c = 0; c < kChains; ++c) sum += acc[c][0];
  return double(sum);
}

template <class Run>
double best_rate(Run run, double ops_per_iteration) {
  constexpr long kIterations = 2'000'000;
  double best = 0;
  for (int trial = 0; trial < 5; ++trial) {
    const auto start = std::chrono::steady_clock::now();
    volatile double sink = run(kIterations);
    (void)sink;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, ops_per_iteration * double(kIterations) / seconds);
  }
  return best;
}

#if defined(__AVX512VNNI__) || defined(__AVXVNNI__)
// Written in assembly: with intrinsics GCC folded the 16 chains of constant operands onto one
// register, which measured the latency of one chain (183 GOP/s) instead of the throughput.
#if defined(__AVX512VNNI__)
constexpr int kDotLanes = 64;  // u8 x s8 products per vpdpbusd on zmm
#define FFNET_DOT(n) "vpdpbusd %1, %2, %%zmm" #n "\n\t"
#else
constexpr int kDotLanes = 32;  // on ymm
#define FFNET_DOT(n) "{vex} vpdpbusd %1, %2, %%ymm" #n "\n\t"
#endif
constexpr int kDotChains = 14;  // two of the 16 VEX registers hold the operands

double run_dots(long iterations) {
#if defined(__AVX512VNNI__)
  const Bytes64 a = Bytes64{} + 3, b = Bytes64{} - 2;
#else
  const Bytes32 a = Bytes32{} + 3, b = Bytes32{} - 2;
#endif
  asm volatile(
      "1:\n\t"
      FFNET_DOT(0) FFNET_DOT(1) FFNET_DOT(2) FFNET_DOT(3) FFNET_DOT(4) FFNET_DOT(5) FFNET_DOT(6)
      FFNET_DOT(7) FFNET_DOT(8) FFNET_DOT(9) FFNET_DOT(10) FFNET_DOT(11) FFNET_DOT(12)
      FFNET_DOT(13)
      "dec %0\n\t"
      "jnz 1b\n\t"
      : "+r"(iterations)
      : "v"(a), "v"(b)
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
        "xmm11", "xmm12", "xmm13", "cc");
  return double(iterations);
}
#undef FFNET_DOT
#elif defined(__aarch64__)
// sdot (16 s8 x s8 products into 4 s32 lanes) on 24 chains, the instruction the dot-product
// kernels run; assembled for the extension (.arch, back to the baseline after), run only where the
// CPU has it.
constexpr int kDotLanes = 16;
#define FFNET_DOT(n) "sdot v" #n ".4s, %1.16b, %2.16b\n\t"
constexpr int kDotChains = 24;

double run_dots(long iterations) {
  const Bytes16 a = Bytes16{} + 3, b = Bytes16{} - 2;
  asm volatile(
      ".arch armv8.2-a+dotprod\n\t"
      "1:\n\t"
      FFNET_DOT(0) FFNET_DOT(1) FFNET_DOT(2) FFNET_DOT(3) FFNET_DOT(4) FFNET_DOT(5) FFNET_DOT(6)
      FFNET_DOT(7) FFNET_DOT(8) FFNET_DOT(9) FFNET_DOT(10) FFNET_DOT(11) FFNET_DOT(12)
      FFNET_DOT(13) FFNET_DOT(14) FFNET_DOT(15) FFNET_DOT(16) FFNET_DOT(17) FFNET_DOT(18)
      FFNET_DOT(19) FFNET_DOT(20) FFNET_DOT(21) FFNET_DOT(22) FFNET_DOT(23)
      "subs %0, %0, #1\n\t"
      "b.ne 1b\n\t"
      ".arch armv8-a\n\t"
      : "+r"(iterations)
      : "w"(a), "w"(b)
      : "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13",
        "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "cc");
  return double(iterations);
}
#undef FFNET_DOT
#endif

}  // namespace

std::string emulation_notice() {
  if (const char* forced = std::getenv("FFNET_BENCH_EMULATED"); forced != nullptr && *forced != '\0')
    return std::string("emulated CPU (FFNET_BENCH_EMULATED=") + forced + ")";
#if defined(__aarch64__)
  // qemu-user passes the host's /proc/cpuinfo through: x86 fields in an aarch64 process.
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("vendor_id", 0) == 0 || line.rfind("model name", 0) == 0)
      return "an aarch64 process on an x86 host's CPU (qemu-user emulation)";
#endif
  return "";
}

double int8_dot_peak_ops() {
#if defined(__AVX512VNNI__) || defined(__AVXVNNI__)
  static const double peak = best_rate(run_dots, 2.0 * kDotLanes * kDotChains);
  return peak;
#elif defined(__aarch64__)
  if (!ops::cpu_features().has(ops::CpuFeature::asimddp)) return 0;
  static const double peak = best_rate(run_dots, 2.0 * kDotLanes * kDotChains);
  return peak;
#else
  return 0;  // no int8 dot-product instruction on this machine
#endif
}

double fma_peak_flops() {
  static const double peak = best_rate(run_chains<Widest>, 2.0 * kLanesOf<Widest> * kChains);
  return peak;
}

double fma256_peak_flops() {
#if defined(__AVX__)
  static const double peak = best_rate(run_chains<Vec8>, 2.0 * 8 * kChains);
  return peak;
#else
  return 0;
#endif
}

}  // namespace ffnet::bench
