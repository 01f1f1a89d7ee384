#pragma once
// Shared helpers for the GEMM and convolution tests: seeded random data, the accuracy check
// and skipping kernels this CPU cannot run.
//
// Tolerance: |got - want| <= 1e-5 * scale, scale = |start| + sum_k |a_k * b_k| + |residual|
// (all in double). Float accumulation of a few hundred terms stays well inside it; a wrong,
// missing or doubled term does not.
#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "ops/gemm/kernel_table.hpp"
#include "ops/isa.hpp"

namespace ffnet::test {

inline constexpr double kRelativeTolerance = 1e-5;

inline std::vector<float> random_floats(std::size_t count, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(count);
  for (float& x : v) x = dist(rng);
  return v;
}

// Checks got against want element-wise within kRelativeTolerance * scale; reports the first
// failure only, to keep the output readable.
inline void check_close(const float* got, const double* want, const double* scale,
                        std::size_t count, const char* what) {
  for (std::size_t i = 0; i < count; ++i) {
    const double diff = std::abs(double(got[i]) - want[i]);
    if (!(diff <= kRelativeTolerance * scale[i])) {
      INFO(what << ": element " << i << " got " << got[i] << " want " << want[i] << " scale "
                << scale[i]);
      CHECK(diff <= kRelativeTolerance * scale[i]);
      return;
    }
  }
}

inline bool can_run(const ops::gemm::GemmKernelInfo& kernel) {
  if (ops::isa_supported(kernel.isa)) return true;
  MESSAGE("skipping " << kernel.name << ": this CPU/OS does not support "
                      << ops::isa_name(kernel.isa));
  return false;
}

}  // namespace ffnet::test
