// Naive `_pre_down` smoothing and its output size rule.
#include "ops/checks.hpp"
#include "ops/reference.hpp"
#include "ops/reference/reference_op.hpp"
#include "ops/smoothing.hpp"

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

std::unique_ptr<ops::Op> make_pre_down_smooth(std::span<const float> weight, int channels) {
  ops::detail::check_smoothing_weight(weight.size(), channels);
  return reference_op(
      [weight = copy_of(weight), channels](std::span<const ConstView> in, View out) {
        ops::detail::check_same_dims("pre_down_smooth", "input channels", Dims{in[0].dims.c, 1, 1}, Dims{channels, 1, 1});
        pre_down_smooth(in[0], out, weight.data());
      },
      1, weight.size() * sizeof(float));
}

}  // namespace ffnet::reference
