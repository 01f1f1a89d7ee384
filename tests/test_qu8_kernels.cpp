// The qu8 (u8 x s8 -> requantised) microkernels: the scalar kernel against a naive evaluation
// of the contract (gemm_kernel.hpp) from unpacked matrices, and every SIMD kernel against the
// scalar kernel bit for bit, over the m/n/k edges, every epilogue form and extreme values.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "ffnet/core/aligned_buffer.hpp"
#include "ffnet/core/quant.hpp"
#include "ops/gemm/kernel_table.hpp"
#include "ops/gemm/qu8_pack.hpp"

namespace {

using namespace ffnet;
using namespace ffnet::ops::gemm;

struct Case {
  int mr, nr, kc;
  bool residual, relu, float_output;
  int extreme;  // 0 random, 1 all weights -128 and activations 255, 2 alternating extremes
};

struct Data {
  std::vector<std::int8_t> a;    // mr x kc (unpacked), kc a multiple of 4
  std::vector<std::uint8_t> b;   // kc x nr
  std::vector<std::uint8_t> residual;
  std::vector<std::int32_t> correction;
  std::vector<float> scale, bias;
  QuantEpilogue epilogue;
};

Data make_data(const Case& c, int MR, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> s8(-128, 127), u8(0, 255);
  Data d;
  d.a.resize(std::size_t(c.mr) * c.kc);
  d.b.resize(std::size_t(c.kc) * c.nr);
  for (std::size_t i = 0; i < d.a.size(); ++i)
    d.a[i] = std::int8_t(c.extreme == 1 ? -128 : c.extreme == 2 ? (i % 2 ? 127 : -128) : s8(rng));
  for (std::size_t i = 0; i < d.b.size(); ++i) d.b[i] = std::uint8_t(c.extreme ? 255 : u8(rng));
  d.residual.resize(std::size_t(MR) * 64);
  for (auto& r : d.residual) r = std::uint8_t(u8(rng));
  std::uniform_real_distribution<float> uniform(-1, 1);
  for (int i = 0; i < MR; ++i) {
    d.correction.push_back(std::int32_t(rng() % 20000) - 10000);
    // Scales so that outputs land around, inside and beyond [0, 255] after requantisation.
    d.scale.push_back(std::ldexp(0.5f + 0.5f * std::abs(uniform(rng)), -12 - int(rng() % 6)));
    d.bias.push_back(uniform(rng) * 4);
  }
  QuantEpilogue& e = d.epilogue;
  e.correction = d.correction.data();
  e.scale = d.scale.data();
  e.bias = d.bias.data();
  e.residual = c.residual ? d.residual.data() : nullptr;
  e.ld_residual = 64;
  e.residual_scale = 0.0173f;
  e.residual_zero = 37;
  e.relu = c.relu;
  e.float_output = c.float_output;
  e.out_inverse_scale = 1.0f / 0.0213f;
  e.out_zero = 11;
  return d;
}

// The packed panels of a kernel with MR, NR for the case's matrices.
void pack(const Data& d, const Case& c, int MR, int NR, AlignedArray<std::int8_t>& a, AlignedArray<std::uint8_t>& b) {
  const Qu8ALayout layout{c.mr, c.kc, MR};
  a.resize(layout.bytes());
  qu8_pack_a(d.a.data(), layout, a.data());
  b.resize(std::size_t(c.kc) * NR);
  std::memset(b.data(), 0xA5, b.size());  // columns >= nr: anything
  for (int k = 0; k < c.kc; ++k)
    for (int j = 0; j < c.nr; ++j) b.data()[(k / 4) * NR * 4 + j * 4 + k % 4] = d.b[std::size_t(k) * c.nr + j];
}

// The contract evaluated directly (element by element, unpacked).
std::vector<std::uint8_t> naive(const Data& d, const Case& c) {
  const std::size_t element = c.float_output ? 4 : 1;
  std::vector<std::uint8_t> out(std::size_t(c.mr) * 64 * element);
  const QuantEpilogue& e = d.epilogue;
  for (int i = 0; i < c.mr; ++i)
    for (int j = 0; j < c.nr; ++j) {
      std::int64_t dot = 0;
      for (int k = 0; k < c.kc; ++k) dot += std::int64_t(d.a[std::size_t(i) * c.kc + k]) * d.b[std::size_t(k) * c.nr + j];
      float v = std::fma(float(std::int32_t(dot) - e.correction[i]), e.scale[i], e.bias[i]);
      if (e.residual) v = std::fma(float(int(e.residual[i * 64 + j]) - e.residual_zero), e.residual_scale, v);
      if (e.relu && v < 0) v = 0;
      if (c.float_output) std::memcpy(out.data() + (std::size_t(i) * 64 + j) * 4, &v, 4);
      else out[std::size_t(i) * 64 + j] = quantize_u8(v, e.out_inverse_scale, e.out_zero);
    }
  return out;
}

std::vector<std::uint8_t> run(const Qu8GemmKernelInfo& kernel, const Data& d, const Case& c) {
  AlignedArray<std::int8_t> a;
  AlignedArray<std::uint8_t> b;
  pack(d, c, kernel.mr, kernel.nr, a, b);
  const std::size_t element = c.float_output ? 4 : 1;
  std::vector<std::uint8_t> out(std::size_t(c.mr) * 64 * element, 0);
  kernel.run(c.mr, c.nr, std::size_t(c.kc), a.data(), b.data(), out.data(), 64, d.epilogue);
  return out;
}

std::vector<Case> cases(int MR, int NR) {
  std::vector<Case> all;
  unsigned flags = 0;
  for (int mr = 1; mr <= MR; ++mr)
    for (int nr : {1, 3, 8, 9, 15, 16, 17, 31, 33, 48, 63, 64}) {
      if (nr > NR) continue;
      for (int kc : {4, 8, 36, 576}) {
        ++flags;
        all.push_back({mr, nr, kc, bool(flags & 1), bool(flags & 2), bool(flags & 4), 0});
      }
    }
  for (int extreme : {1, 2})
    for (bool float_output : {false, true}) all.push_back({MR, NR, 4608, false, false, float_output, extreme});
  return all;
}

}  // namespace

TEST_CASE("qu8 scalar kernel: the contract, evaluated element by element") {
  const Qu8GemmKernelInfo& scalar = default_qu8_gemm_kernel(ops::Isa::scalar);
  std::uint32_t seed = 1;
  for (const Case& c : cases(scalar.mr, scalar.nr)) {
    CAPTURE(c.mr);
    CAPTURE(c.nr);
    CAPTURE(c.kc);
    CAPTURE(c.residual);
    CAPTURE(c.relu);
    CAPTURE(c.float_output);
    CAPTURE(c.extreme);
    const Data d = make_data(c, scalar.mr, seed++);
    CHECK(run(scalar, d, c) == naive(d, c));
  }
}

TEST_CASE("qu8 SIMD kernels match the scalar kernel bit for bit") {
  const Qu8GemmKernelInfo& scalar = default_qu8_gemm_kernel(ops::Isa::scalar);
  int tested = 0;
  for (const Qu8GemmKernelInfo& kernel : qu8_gemm_kernels()) {
    if (&kernel == &scalar) continue;
    if (!runnable(kernel)) {
      MESSAGE("skipped " << kernel.name << ": this CPU lacks " << kernel.required.str());
      continue;
    }
    ++tested;
    CAPTURE(kernel.name);
    std::uint32_t seed = 100;
    for (const Case& c : cases(kernel.mr, kernel.nr)) {
      CAPTURE(c.mr);
      CAPTURE(c.nr);
      CAPTURE(c.kc);
      CAPTURE(c.residual);
      CAPTURE(c.relu);
      CAPTURE(c.float_output);
      CAPTURE(c.extreme);
      const Data d = make_data(c, kernel.mr, seed++);
      CHECK(run(kernel, d, c) == naive(d, c));
    }
  }
  MESSAGE(tested << " SIMD qu8 kernels tested on this CPU");
}
