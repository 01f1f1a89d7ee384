// The qu8 (u8 x s8 -> requantised) indirect microkernels: every kernel, the scalar one included,
// against a naive evaluation of the contract (gemm_kernel.hpp) from unpacked weights and the
// pixel pointers, over the pixel/channel/depth/tap edges (depths not a multiple of 4 read
// garbage past the channels, which must meet zero weights), every epilogue form and extreme
// values. The naive result is the scalar kernel's definition, so matching it is matching that.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "ffnet/core/aligned_buffer.hpp"
#include "ffnet/core/quant.hpp"
#include "ops/gemm/kernel_table.hpp"
#include "ops/gemm/qu8_pack.hpp"

namespace {

using namespace ffnet;
using namespace ffnet::ops::gemm;

struct Case {
  int mr, nr, kc, ks;
  bool residual, relu, float_output;
  int extreme;  // 0 random, 1 all weights -128 and activations 255, 2 alternating extremes
};

constexpr std::size_t kLd = 64;  // ldc and ld_residual of every case (pixels and channels < 64)

struct Data {
  std::vector<std::int8_t> w;  // nr x kc x ks (OIHW with ks taps), unpacked
  // Pixel i's channels for tap t: pixels[t * MR + i], kc bytes then garbage (the kernel reads up
  // to round_up(kc, 4), which meets zero weights). Every fifth pointer is the shared zero-point
  // buffer, as the driver passes for the padding.
  std::vector<std::vector<std::uint8_t>> pixels;
  std::vector<std::uint8_t> zero_point;
  std::vector<const std::uint8_t*> a;
  std::vector<std::uint8_t> residual;
  std::vector<std::int32_t> correction, weight_sum;
  std::vector<float> scale, bias;
  QuantEpilogue epilogue;
};

Data make_data(const Case& c, int MR, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> s8(-128, 127), u8(0, 255);
  Data d;
  d.w.resize(std::size_t(c.nr) * c.kc * c.ks);
  for (std::size_t i = 0; i < d.w.size(); ++i)
    d.w[i] = std::int8_t(c.extreme == 1 ? -128 : c.extreme == 2 ? (i % 2 ? 127 : -128) : s8(rng));
  const std::size_t read = std::size_t(c.kc + 3) / 4 * 4;
  d.zero_point.assign(read, std::uint8_t(c.extreme ? 255 : u8(rng)));
  d.pixels.resize(std::size_t(c.ks) * MR);
  for (int t = 0; t < c.ks; ++t)
    for (int i = 0; i < MR; ++i) {
      auto& p = d.pixels[std::size_t(t) * MR + i];
      p.assign(read, 0xA5);
      for (int k = 0; k < c.kc; ++k) p[std::size_t(k)] = std::uint8_t(c.extreme ? 255 : u8(rng));
      d.a.push_back((t * MR + i) % 5 == 4 ? d.zero_point.data() : p.data());
    }
  d.residual.resize(std::size_t(MR) * kLd);
  for (auto& r : d.residual) r = std::uint8_t(u8(rng));
  std::uniform_real_distribution<float> uniform(-1, 1);
  for (int j = 0; j < c.nr; ++j) {
    d.correction.push_back(std::int32_t(rng() % 20000) - 10000);
    std::int32_t sum = 0;
    for (std::size_t k = 0; k < std::size_t(c.kc) * std::size_t(c.ks); ++k) sum += d.w[std::size_t(j) * c.kc * c.ks + k];
    d.weight_sum.push_back(sum);
    // Scales so that outputs land around, inside and beyond [0, 255] after requantisation.
    d.scale.push_back(std::ldexp(0.5f + 0.5f * std::abs(uniform(rng)), -12 - int(rng() % 6)));
    d.bias.push_back(uniform(rng) * 4);
  }
  QuantEpilogue& e = d.epilogue;
  e.correction = d.correction.data();
  e.weight_sum = d.weight_sum.data();
  e.scale = d.scale.data();
  e.bias = d.bias.data();
  e.residual = c.residual ? d.residual.data() : nullptr;
  e.ld_residual = kLd;
  e.residual_scale = 0.0173f;
  e.residual_zero = 37;
  e.relu = c.relu;
  e.float_output = c.float_output;
  e.out_inverse_scale = 1.0f / 0.0213f;
  e.out_zero = 11;
  return d;
}

std::size_t output_bytes(const Case& c) { return kLd * kLd * (c.float_output ? 4 : 1); }

// The contract evaluated directly (element by element, from the unpacked weights).
std::vector<std::uint8_t> naive(const Data& d, const Case& c, int MR) {
  std::vector<std::uint8_t> out(output_bytes(c), 0);
  const QuantEpilogue& e = d.epilogue;
  for (int i = 0; i < c.mr; ++i)
    for (int j = 0; j < c.nr; ++j) {
      std::int64_t dot = 0;
      for (int t = 0; t < c.ks; ++t)
        for (int k = 0; k < c.kc; ++k)
          dot += std::int64_t(d.a[std::size_t(t) * MR + i][k]) * d.w[(std::size_t(j) * c.kc + k) * c.ks + t];
      float v = std::fma(float(std::int32_t(dot) - e.correction[j]), e.scale[j], e.bias[j]);
      if (e.residual) v = std::fma(float(int(e.residual[i * kLd + j]) - e.residual_zero), e.residual_scale, v);
      if (e.relu && v < 0) v = 0;
      if (c.float_output) std::memcpy(out.data() + (std::size_t(i) * kLd + j) * 4, &v, 4);
      else out[std::size_t(i) * kLd + j] = quantize_u8(v, e.out_inverse_scale, e.out_zero);
    }
  return out;
}

std::vector<std::uint8_t> run(const Qu8IgemmKernelInfo& kernel, const Data& d, const Case& c) {
  const Qu8WeightLayout layout{.out_channels = c.nr, .in_channels = c.kc, .taps = c.ks, .nr = kernel.nr};
  AlignedArray<std::int8_t> w(layout.bytes());
  qu8_pack_weights(d.w.data(), layout, w.data());
  std::vector<std::uint8_t> out(output_bytes(c), 0);
  kernel.run(c.mr, c.nr, c.kc, c.ks, d.a.data(), w.data(), out.data(), kLd, d.epilogue);
  return out;
}

std::vector<Case> cases(int MR, int NR) {
  std::vector<Case> all;
  unsigned flags = 0;
  for (int mr = 1; mr <= MR; ++mr)
    for (int nr : {1, 3, 8, 9, 15, 16, 17, 31, 32}) {
      if (nr > NR) continue;
      for (auto [kc, ks] : {std::pair{3, 9}, {4, 1}, {5, 2}, {8, 9}, {36, 1}, {64, 3}, {257, 1}}) {
        ++flags;
        all.push_back({mr, nr, kc, ks, bool(flags & 1), bool(flags & 2), bool(flags & 4), 0});
      }
    }
  for (int extreme : {1, 2})
    for (bool float_output : {false, true}) all.push_back({MR, NR, 512, 9, false, false, float_output, extreme});
  return all;
}

void check_kernel(const Qu8IgemmKernelInfo& kernel, std::uint32_t seed) {
  for (const Case& c : cases(kernel.mr, kernel.nr)) {
    CAPTURE(c.mr);
    CAPTURE(c.nr);
    CAPTURE(c.kc);
    CAPTURE(c.ks);
    CAPTURE(c.residual);
    CAPTURE(c.relu);
    CAPTURE(c.float_output);
    CAPTURE(c.extreme);
    const Data d = make_data(c, kernel.mr, seed++);
    CHECK(run(kernel, d, c) == naive(d, c, kernel.mr));
  }
}

}  // namespace

TEST_CASE("qu8 scalar kernel: the contract, evaluated element by element") {
  check_kernel(default_qu8_igemm_kernel(ops::Isa::scalar), 1);
}

TEST_CASE("qu8 SIMD kernels: the same contract, so bit for bit the scalar kernel's result") {
  const Qu8IgemmKernelInfo& scalar = default_qu8_igemm_kernel(ops::Isa::scalar);
  int tested = 0;
  for (const Qu8IgemmKernelInfo& kernel : qu8_igemm_kernels()) {
    if (&kernel == &scalar) continue;
    if (!runnable(kernel)) {
      std::string missing;
      for (unsigned f = 0; f < unsigned(ops::CpuFeature::count); ++f)
        if (kernel.required.has(ops::CpuFeature(f)) && !ops::cpu_features().has(ops::CpuFeature(f)))
          missing.append(" ").append(ops::feature_name(ops::CpuFeature(f)));
      MESSAGE("skipped " << kernel.name << ": this CPU lacks" << missing);
      continue;
    }
    ++tested;
    CAPTURE(kernel.name);
    check_kernel(kernel, 100);
  }
  MESSAGE(tested << " SIMD qu8 kernels tested on this CPU");
}

TEST_CASE("qu8 kernel table: the first kernel in order of preference whose features the level has") {
  for (const ops::Isa& isa : ops::isa_levels()) {
    CAPTURE(isa.name);
    const Qu8IgemmKernelInfo& k = default_qu8_igemm_kernel(isa);
    CHECK(isa.features.contains(k.required));
    for (const Qu8IgemmKernelInfo& other : qu8_igemm_kernels()) {
      if (&other == &k) break;
      CHECK(!isa.features.contains(other.required));
    }
  }
  CHECK(default_qu8_igemm_kernel(ops::Isa::scalar).name == "qu8_igemm_4x8c4__scalar");
#if defined(__x86_64__)
  CHECK(default_qu8_igemm_kernel(ops::Isa::avx2_fma).name == "qu8_igemm_6x8c4__avx2");
  CHECK(default_qu8_igemm_kernel(ops::Isa::avx_vnni).name == "qu8_igemm_6x16c4__avxvnni");
  CHECK(default_qu8_igemm_kernel(ops::Isa::avx512_vnni).name == "qu8_igemm_8x32c4__avx512vnni");
#elif defined(__aarch64__)
  CHECK(default_qu8_igemm_kernel(ops::Isa::neon).name == "qu8_igemm_4x8c4__neon");
  CHECK(default_qu8_igemm_kernel(ops::Isa::neon_dot).name == "qu8_igemm_8x8c4__neondot");
  CHECK(default_qu8_igemm_kernel(ops::Isa::neon_i8mm).name == "qu8_igemm_8x8c4__neoni8mm");
#endif
  // The ISA levels this CPU runs the distinct kernel families with (test_qu8_conv.cpp).
  for (const ops::Isa& isa : isas_with_distinct_qu8_kernels())
    MESSAGE("qu8 on this CPU: " << isa.name << " -> " << default_qu8_igemm_kernel(isa).name);
}
