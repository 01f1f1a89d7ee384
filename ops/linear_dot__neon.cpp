// dot_rows (linear_dot.hpp) with Advanced SIMD, part of every AArch64 CPU. Multiplies and adds
// stay separate instructions (no vfmaq): the order of operations and the roundings are the
// header's, the same as the SSE2 and scalar files.
#include <arm_neon.h>

#include <cstddef>

#include "ops/linear_dot.hpp"

namespace ffnet::ops {
namespace {

template <int Rows>
void dot_rows_of(const float* weight, int in_features, const float* x, float* dots) {
  const auto n = std::size_t(in_features);
  float32x4_t lo[Rows], hi[Rows];
  for (int r = 0; r < Rows; ++r) lo[r] = hi[r] = vdupq_n_f32(0.0f);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float32x4_t x_lo = vld1q_f32(x + i), x_hi = vld1q_f32(x + i + 4);
    for (int r = 0; r < Rows; ++r) {
      const float* w = weight + std::size_t(r) * n + i;
      lo[r] = vaddq_f32(lo[r], vmulq_f32(vld1q_f32(w), x_lo));
      hi[r] = vaddq_f32(hi[r], vmulq_f32(vld1q_f32(w + 4), x_hi));
    }
  }
  for (int r = 0; r < Rows; ++r) {
    const float32x4_t lanes = vaddq_f32(lo[r], hi[r]);  // l0 + l4, l1 + l5, l2 + l6, l3 + l7
    float sum = (vgetq_lane_f32(lanes, 0) + vgetq_lane_f32(lanes, 1)) +
                (vgetq_lane_f32(lanes, 2) + vgetq_lane_f32(lanes, 3));
    const float* w = weight + std::size_t(r) * n;
    for (std::size_t j = i; j < n; ++j) sum += w[j] * x[j];
    dots[r] = sum;
  }
}

}  // namespace

void dot_rows(const float* weight, int rows, int in_features, const float* x, float* dots) {
  switch (rows) {
    case 4: return dot_rows_of<4>(weight, in_features, x, dots);
    case 3: return dot_rows_of<3>(weight, in_features, x, dots);
    case 2: return dot_rows_of<2>(weight, in_features, x, dots);
    default: return dot_rows_of<1>(weight, in_features, x, dots);
  }
}

}  // namespace ffnet::ops
