// dot_rows (linear_dot.hpp) with SSE2, the baseline of every x86-64 CPU.
#include <emmintrin.h>

#include <cstddef>

#include "ops/linear_dot.hpp"

namespace ffnet::ops {
namespace {

template <int Rows>
void dot_rows_of(const float* weight, int in_features, const float* x, float* dots) {
  const auto n = std::size_t(in_features);
  __m128 lo[Rows], hi[Rows];
  for (int r = 0; r < Rows; ++r) lo[r] = hi[r] = _mm_setzero_ps();
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128 x_lo = _mm_loadu_ps(x + i), x_hi = _mm_loadu_ps(x + i + 4);
    for (int r = 0; r < Rows; ++r) {
      const float* w = weight + std::size_t(r) * n + i;
      lo[r] = _mm_add_ps(lo[r], _mm_mul_ps(_mm_loadu_ps(w), x_lo));
      hi[r] = _mm_add_ps(hi[r], _mm_mul_ps(_mm_loadu_ps(w + 4), x_hi));
    }
  }
  for (int r = 0; r < Rows; ++r) {
    alignas(16) float lanes[4];
    _mm_store_ps(lanes, _mm_add_ps(lo[r], hi[r]));
    float sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
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
