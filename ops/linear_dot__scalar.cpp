// dot_rows (linear_dot.hpp) in portable C++, in the same order of operations as the SIMD files.
// Built with -ffp-contract=off (ops/meson.build): a fused multiply-add would round differently.
#include <cstddef>

#include "ops/linear_dot.hpp"

namespace ffnet::ops {

void dot_rows(const float* weight, int rows, int in_features, const float* x, float* dots) {
  const auto n = std::size_t(in_features);
  for (int r = 0; r < rows; ++r) {
    const float* w = weight + std::size_t(r) * n;
    float lanes[8] = {};
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8)
      for (std::size_t l = 0; l < 8; ++l) lanes[l] = lanes[l] + w[i + l] * x[i + l];
    float sum = ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
    for (; i < n; ++i) sum += w[i] * x[i];
    dots[r] = sum;
  }
}

}  // namespace ffnet::ops
