#pragma once
// Comparing op outputs in tests: the largest absolute difference, measured against a tolerance
// relative to the expected output's scale, max(1, max |expected|).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>

namespace ffnet::test {

struct Difference {
  double max_abs = 0;       // max |got - expected| (infinite if a NaN appears on one side only)
  double scale = 1;         // max(1, max |expected|)
  double relative() const { return max_abs / scale; }
};

inline Difference difference(const float* got, const float* expected, std::size_t n) {
  Difference d;
  for (std::size_t i = 0; i < n; ++i) {
    const double g = got[i], e = expected[i];
    d.scale = std::max(d.scale, std::abs(e));
    if (std::isnan(g) != std::isnan(e)) d.max_abs = INFINITY;
    else if (!std::isnan(g)) d.max_abs = std::max(d.max_abs, std::abs(g - e));
  }
  return d;
}

// CHECKs that max |got - expected| <= tolerance * max(1, max |expected|) and returns the measure.
inline Difference check_close(const std::string& what, const float* got, const float* expected,
                              std::size_t n, double tolerance) {
  const Difference d = difference(got, expected, n);
  INFO(what << ": max|diff| " << d.max_abs << " at scale " << d.scale << ", tolerance "
            << tolerance << " x scale");
  CHECK(d.max_abs <= tolerance * d.scale);
  return d;
}

}  // namespace ffnet::test
