// Naive convolution: the definition every fast path is tested against.
#include "ffnet/core/error.hpp"
#include "ops/reference.hpp"

namespace ffnet::ops {

Dims conv_output_dims(const ConvShape& s, Dims in) {
  if (in.c != s.in_channels)
    throw_input("convolution expects " + std::to_string(s.in_channels) + " input channels, got " +
                std::to_string(in.c));
  if (s.stride < 1 || s.kernel_h < 1 || s.kernel_w < 1 || s.pad < 0)
    throw_internal("invalid convolution geometry");
  int h = (in.h + 2 * s.pad - s.kernel_h) / s.stride + 1;
  int w = (in.w + 2 * s.pad - s.kernel_w) / s.stride + 1;
  if (in.h + 2 * s.pad < s.kernel_h || in.w + 2 * s.pad < s.kernel_w || h < 1 || w < 1)
    throw_input("input of " + std::to_string(in.h) + "x" + std::to_string(in.w) +
                " is too small for a " + std::to_string(s.kernel_h) + "x" +
                std::to_string(s.kernel_w) + " convolution");
  return {s.out_channels, h, w};
}

}  // namespace ffnet::ops

namespace ffnet::reference {

void conv2d(const ops::ConvShape& s, const float* weight, const float* bias, ConstView in,
            View out, const ops::ConvEpilogue& epilogue) {
  const Dims od = ops::conv_output_dims(s, in.dims);
  if (!(out.dims == od)) throw_internal("conv2d: output dims " + out.dims.str() + " != " + od.str());
  const std::size_t taps = std::size_t(s.kernel_h) * std::size_t(s.kernel_w);
  for (int o = 0; o < od.c; ++o) {
    const float* w_o = weight + std::size_t(o) * std::size_t(s.in_channels) * taps;
    for (int y = 0; y < od.h; ++y) {
      for (int x = 0; x < od.w; ++x) {
        double acc = bias ? double(bias[o]) : 0.0;
        for (int c = 0; c < s.in_channels; ++c) {
          for (int ky = 0; ky < s.kernel_h; ++ky) {
            int iy = y * s.stride - s.pad + ky;
            if (iy < 0 || iy >= in.dims.h) continue;
            for (int kx = 0; kx < s.kernel_w; ++kx) {
              int ix = x * s.stride - s.pad + kx;
              if (ix < 0 || ix >= in.dims.w) continue;
              acc += double(w_o[(std::size_t(c) * std::size_t(s.kernel_h) + std::size_t(ky)) *
                                    std::size_t(s.kernel_w) + std::size_t(kx)]) *
                     double(in.row(c, iy)[ix]);
            }
          }
        }
        if (epilogue.residual.data) acc += double(epilogue.residual.row(o, y)[x]);
        if (epilogue.relu && acc < 0) acc = 0;
        out.row(o, y)[x] = float(acc);
      }
    }
  }
}

}  // namespace ffnet::reference
