// The output size rules of the ops (PyTorch's), used by the graph's shape inference and by the
// ops' reshape checks.
#include "ffnet/core/error.hpp"
#include "ops/checks.hpp"
#include "ops/conv.hpp"
#include "ops/pooling.hpp"
#include "ops/smoothing.hpp"

namespace ffnet::ops {

Dims conv_output_dims(const ConvShape& s, Dims in) {
  if (in.c != s.in_channels)
    throw_input("convolution expects " + std::to_string(s.in_channels) + " input channels, got " + std::to_string(in.c));
  if (s.stride < 1 || s.kernel_h < 1 || s.kernel_w < 1 || s.pad < 0) throw_internal("invalid convolution geometry");
  const int h = (in.h + 2 * s.pad - s.kernel_h) / s.stride + 1;
  const int w = (in.w + 2 * s.pad - s.kernel_w) / s.stride + 1;
  if (in.h + 2 * s.pad < s.kernel_h || in.w + 2 * s.pad < s.kernel_w || h < 1 || w < 1)
    throw_input("input of " + std::to_string(in.h) + "x" + std::to_string(in.w) + " is too small for a " +
                std::to_string(s.kernel_h) + "x" + std::to_string(s.kernel_w) + " convolution");
  return {s.out_channels, h, w};
}

// PyTorch's rule with ceil_mode=False: floor((in + 2 pad - kernel) / stride) + 1. PyTorch also
// refuses pad > kernel / 2, which guarantees every window holds at least one real pixel.
Dims max_pool_output_dims(const MaxPoolShape& s, Dims in) {
  if (s.kernel < 1 || s.stride < 1 || s.pad < 0 || 2 * s.pad > s.kernel)
    throw_internal("max_pool: invalid geometry kernel " + std::to_string(s.kernel) + " stride " +
                   std::to_string(s.stride) + " pad " + std::to_string(s.pad));
  detail::check_not_empty("max_pool", in);
  if (in.h + 2 * s.pad < s.kernel || in.w + 2 * s.pad < s.kernel)
    throw_input("max_pool: input " + in.str() + " is smaller than the " + std::to_string(s.kernel) + "x" +
                std::to_string(s.kernel) + " window");
  return {in.c, (in.h + 2 * s.pad - s.kernel) / s.stride + 1, (in.w + 2 * s.pad - s.kernel) / s.stride + 1};
}

// Padded height H + 2, 5x5 window, stride 2, no padding: ((H + 2 - 5) / 2 + 1) x ((W - 5) / 2 + 1).
// Reflect padding also needs H >= 2, which H >= 3 implies.
Dims smoothing_output_dims(Dims in) {
  detail::check_not_empty("pre_down_smooth", in);
  if (in.h + 2 < kSmoothingTaps || in.w < kSmoothingTaps)
    throw_input("pre-down smoothing needs an input of at least 3x5 pixels, got " + std::to_string(in.h) + "x" +
                std::to_string(in.w));
  return {in.c, (in.h + 2 - kSmoothingTaps) / 2 + 1, (in.w - kSmoothingTaps) / 2 + 1};
}

}  // namespace ffnet::ops
