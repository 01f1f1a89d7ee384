// Naive max and global average pooling.
#include <cmath>
#include <limits>

#include "ops/checks.hpp"
#include "ops/reference.hpp"
#include "ops/reference/reference_op.hpp"

namespace ffnet::reference {

void max_pool(const ops::MaxPoolShape& s, ConstView in, View out) {
  ops::detail::check_same_dims("max_pool", "output", out.dims, ops::max_pool_output_dims(s, in.dims));
  for (int c = 0; c < out.dims.c; ++c) {
    for (int y = 0; y < out.dims.h; ++y) {
      for (int x = 0; x < out.dims.w; ++x) {
        float best = -std::numeric_limits<float>::infinity();
        for (int ky = 0; ky < s.kernel; ++ky) {
          int iy = y * s.stride - s.pad + ky;
          if (iy < 0 || iy >= in.dims.h) continue;  // padding never wins
          for (int kx = 0; kx < s.kernel; ++kx) {
            int ix = x * s.stride - s.pad + kx;
            if (ix < 0 || ix >= in.dims.w) continue;
            float v = in.row(c, iy)[ix];
            if (v > best || std::isnan(v)) best = v;  // NaN propagates, as in PyTorch
          }
        }
        out.row(c, y)[x] = best;
      }
    }
  }
}

void global_average_pool(ConstView in, float* out) {
  ops::detail::check_not_empty("global_average_pool", in.dims);
  for (int c = 0; c < in.dims.c; ++c) {
    double sum = 0;
    for (int y = 0; y < in.dims.h; ++y)
      for (int x = 0; x < in.dims.w; ++x) sum += double(in.row(c, y)[x]);
    out[c] = float(sum / double(in.dims.plane()));
  }
}

std::unique_ptr<ops::Op> make_max_pool(const ops::MaxPoolShape& shape) {
  return reference_op([shape](std::span<const ConstView> in, View out) { max_pool(shape, in[0], out); }, 1);
}

std::unique_ptr<ops::Op> make_global_average_pool() {
  return reference_op(
      [](std::span<const ConstView> in, View out) {
        ops::detail::check_same_dims("global_average_pool", "output", out.dims, Dims{in[0].dims.c, 1, 1});
        global_average_pool(in[0], out.data);
      },
      1);
}

}  // namespace ffnet::reference
