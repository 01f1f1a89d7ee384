// Naive convolution: the definition every fast path is tested against.
#include "ffnet/core/error.hpp"
#include "ops/reference.hpp"
#include "ops/reference/reference_op.hpp"

namespace ffnet::reference {

void conv2d(const ops::ConvShape& s, const float* weight, const float* bias, ConstView in, View out,
            ConstView residual, bool relu) {
  const Dims od = ops::conv_output_dims(s, in.dims);
  if (!(out.dims == od)) throw_internal("conv2d: output dims " + out.dims.str() + " != " + od.str());
  if (residual.data && !(residual.dims == od)) throw_internal("conv2d: residual dims " + residual.dims.str());
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
        if (residual.data) acc += double(residual.row(o, y)[x]);
        if (relu && acc < 0) acc = 0;  // NaN passes, as in PyTorch
        out.row(o, y)[x] = float(acc);
      }
    }
  }
}

std::unique_ptr<ops::Op> make_conv(const ops::ConvSpec& spec, std::span<const float> weight_oihw,
                                   std::span<const float> bias) {
  const std::size_t bytes = (weight_oihw.size() + bias.size()) * sizeof(float);
  return reference_op(
      [spec, weight = copy_of(weight_oihw), bias = copy_of(bias)](std::span<const ConstView> in, View out) {
        conv2d(spec.shape, weight.data(), bias.empty() ? nullptr : bias.data(), in[0], out,
               spec.residual ? in[1] : ConstView(), spec.relu);
      },
      spec.residual ? 2 : 1, bytes);
}

}  // namespace ffnet::reference
