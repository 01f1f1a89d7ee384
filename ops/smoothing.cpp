// Pre-down smoothing: each of an output row's five source rows is split into its even and odd
// columns, so the stride-2 taps become contiguous, vectorisable multiply-adds over the row.
#include "ops/smoothing.hpp"

#include <algorithm>
#include <vector>

#include "ops/checks.hpp"

namespace ffnet::ops {
namespace {

// Row of the unpadded input that padded row `padded` (0 = the reflected row -1) reads.
inline int reflected_row(int padded, int height) {
  int y = padded - 1;
  if (y < 0) return -y;
  if (y >= height) return 2 * (height - 1) - y;
  return y;
}

}  // namespace

void pre_down_smooth(ConstView in, View out, const float* weight, int threads) {
  detail::check_threads("pre_down_smooth", threads);
  detail::check_same_dims("pre_down_smooth", "output", out.dims, smoothing_output_dims(in.dims));
  constexpr int taps = kSmoothingTaps;
  const int rows = out.dims.c * out.dims.h;
  const int out_w = out.dims.w;
  const int in_w = in.dims.w;
  // Output x reads even[x + kx / 2] (kx even) or odd[x + kx / 2] (kx odd).
  const auto even_w = std::size_t(in_w + 1) / 2, odd_w = std::size_t(in_w) / 2;

#pragma omp parallel num_threads(threads)
  {
    std::vector<float> even(even_w), odd(odd_w);
#pragma omp for schedule(static)
    for (int r = 0; r < rows; ++r) {
      const int c = r / out.dims.h;
      const int y = r % out.dims.h;
      const float* w = weight + std::size_t(c) * taps * taps;
      float* dst = out.row(c, y);
      std::fill_n(dst, out_w, 0.0f);
      for (int ky = 0; ky < taps; ++ky) {
        const float* src = in.row(c, reflected_row(2 * y + ky, in.dims.h));
        for (std::size_t i = 0; i < odd_w; ++i) {
          even[i] = src[2 * i];
          odd[i] = src[2 * i + 1];
        }
        if (even_w > odd_w) even[even_w - 1] = src[in_w - 1];
        for (int kx = 0; kx < taps; ++kx) {
          const float tap = w[ky * taps + kx];
          const float* col = (kx % 2 == 0 ? even.data() : odd.data()) + kx / 2;
          for (int x = 0; x < out_w; ++x) dst[x] += tap * col[x];
        }
      }
    }
  }
}

}  // namespace ffnet::ops
