#pragma once
// Shared helpers for the GEMM and convolution tests: seeded random data, the accuracy check
// and skipping kernels this CPU cannot run.
//
// Tolerance: |got - want| <= 1e-5 * scale, scale = |start| + sum_k |a_k * b_k| + |residual|
// (all in double). Float accumulation of a few hundred terms stays well inside it; a wrong,
// missing or doubled term does not.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "ops/gemm/kernel_table.hpp"
#include "ops/cpu_features.hpp"

namespace ffnet::test {

inline constexpr double kRelativeTolerance = 1e-5;

inline std::vector<float> random_floats(std::size_t count, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(count);
  for (float& x : v) x = dist(rng);
  return v;
}

// Checks got against want element-wise within tolerance * scale; reports the first failure
// only, to keep the output readable. Returns the largest diff / scale seen.
inline double check_close(const float* got, const double* want, const double* scale,
                          std::size_t count, const char* what,
                          double tolerance = kRelativeTolerance) {
  double worst = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const double diff = std::abs(double(got[i]) - want[i]);
    if (scale[i] > 0) worst = std::max(worst, diff / scale[i]);
    if (!(diff <= tolerance * scale[i])) {
      INFO(what << ": element " << i << " got " << got[i] << " want " << want[i] << " scale "
                << scale[i]);
      CHECK(diff <= tolerance * scale[i]);
      return worst;
    }
  }
  return worst;
}

inline bool can_run(const ops::gemm::GemmKernelInfo& kernel) {
  if (ops::gemm::runnable(kernel)) return true;
  MESSAGE("skipping " << kernel.name << ": this CPU/OS does not support "
                      << kernel.required.str());
  return false;
}

}  // namespace ffnet::test
