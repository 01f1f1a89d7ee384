#pragma once
// Comparing our tensors with reference tensors: max |diff| relative to max |ref|.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>

#include "ffnet/core/tensor.hpp"

namespace ffnet::testing {

struct Difference {
  double max_abs_diff = 0;
  double max_abs_ref = 0;
  std::size_t non_finite = 0;
  double relative() const { return max_abs_ref > 0 ? max_abs_diff / max_abs_ref : max_abs_diff; }
};

inline Difference compare(const float* ours, const float* ref, std::size_t n) {
  Difference d;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(ours[i]) || !std::isfinite(ref[i])) {
      ++d.non_finite;
      continue;
    }
    d.max_abs_diff = std::max(d.max_abs_diff, std::abs(double(ours[i]) - double(ref[i])));
    d.max_abs_ref = std::max(d.max_abs_ref, std::abs(double(ref[i])));
  }
  return d;
}

// Same shape and the same bits in every element.
inline bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace ffnet::testing
