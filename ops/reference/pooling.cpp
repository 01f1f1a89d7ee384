// Naive max and global average pooling, and the pooling output size rule.
#include <cmath>
#include <limits>

#include "ops/checks.hpp"
#include "ops/reference.hpp"

namespace ffnet::ops {

// PyTorch's rule with ceil_mode=False: floor((in + 2 pad - kernel) / stride) + 1. PyTorch also
// refuses pad > kernel / 2, which guarantees every window holds at least one real pixel.
Dims max_pool_output_dims(const MaxPoolShape& s, Dims in) {
  if (s.kernel < 1 || s.stride < 1 || s.pad < 0 || 2 * s.pad > s.kernel)
    throw_internal("max_pool: invalid geometry kernel " + std::to_string(s.kernel) + " stride " +
                   std::to_string(s.stride) + " pad " + std::to_string(s.pad));
  detail::check_not_empty("max_pool", in);
  if (in.h + 2 * s.pad < s.kernel || in.w + 2 * s.pad < s.kernel)
    throw_input("max_pool: input " + in.str() + " is smaller than the " +
                std::to_string(s.kernel) + "x" + std::to_string(s.kernel) + " window");
  return {in.c, (in.h + 2 * s.pad - s.kernel) / s.stride + 1,
          (in.w + 2 * s.pad - s.kernel) / s.stride + 1};
}

}  // namespace ffnet::ops

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

}  // namespace ffnet::reference
