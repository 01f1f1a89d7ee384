// Naive `_pre_down` smoothing and its output size rule.
#include "ops/checks.hpp"
#include "ops/reference.hpp"
#include "ops/smoothing.hpp"

namespace ffnet::ops {

// Padded height H + 2, 5x5 window, stride 2, no padding: ((H + 2 - 5) / 2 + 1) x ((W - 5) / 2 + 1).
// Reflect padding also needs H >= 2, which H >= 3 implies.
Dims smoothing_output_dims(Dims in) {
  detail::check_not_empty("pre_down_smooth", in);
  if (in.h + 2 < kSmoothingTaps || in.w < kSmoothingTaps)
    throw_input("pre-down smoothing needs an input of at least 3x5 pixels, got " +
                std::to_string(in.h) + "x" + std::to_string(in.w));
  return {in.c, (in.h + 2 - kSmoothingTaps) / 2 + 1, (in.w - kSmoothingTaps) / 2 + 1};
}

}  // namespace ffnet::ops

namespace ffnet::reference {

void pre_down_smooth(ConstView in, View out, const float* weight) {
  ops::detail::check_same_dims("pre_down_smooth", "output", out.dims, ops::smoothing_output_dims(in.dims));
  const int taps = ops::kSmoothingTaps;
  for (int c = 0; c < out.dims.c; ++c) {
    const float* w = weight + std::size_t(c) * taps * taps;
    for (int y = 0; y < out.dims.h; ++y) {
      for (int x = 0; x < out.dims.w; ++x) {
        double acc = 0;
        for (int ky = 0; ky < taps; ++ky) {
          int iy = 2 * y + ky - 1;  // row in the unpadded input
          if (iy < 0) iy = -iy;                          // row -1 reflects to row 1
          if (iy >= in.dims.h) iy = 2 * (in.dims.h - 1) - iy;  // row H reflects to row H-2
          for (int kx = 0; kx < taps; ++kx)
            acc += double(w[ky * taps + kx]) * double(in.row(c, iy)[2 * x + kx]);
        }
        out.row(c, y)[x] = float(acc);
      }
    }
  }
}

}  // namespace ffnet::reference
