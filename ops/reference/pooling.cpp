// Naive max and global average pooling. u8 maps are channels-last (tensor.hpp).
#include <cmath>
#include <cstdint>
#include <limits>

#include "ops/checks.hpp"
#include "ops/reference.hpp"
#include "ops/reference/reference_op.hpp"

namespace ffnet::reference {

namespace {

// Element (c, y, x): float maps are channel-major, u8 maps channels-last.
inline float at(ConstView v, int c, int y, int x) { return v.row(c, y)[x]; }
inline float& at(View v, int c, int y, int x) { return v.row(c, y)[x]; }
inline std::uint8_t at(BasicView<const std::uint8_t> v, int c, int y, int x) { return v.pixel(y, x)[c]; }
inline std::uint8_t& at(BasicView<std::uint8_t> v, int c, int y, int x) { return v.pixel(y, x)[c]; }

template <class T>
void max_pool_of(const ops::MaxPoolShape& s, BasicView<const T> in, BasicView<T> out) {
  ops::detail::check_same_dims("max_pool", "output", out.dims, ops::max_pool_output_dims(s, in.dims));
  for (int c = 0; c < out.dims.c; ++c) {
    for (int y = 0; y < out.dims.h; ++y) {
      for (int x = 0; x < out.dims.w; ++x) {
        T best = std::numeric_limits<T>::lowest();  // -inf for float
        for (int ky = 0; ky < s.kernel; ++ky) {
          int iy = y * s.stride - s.pad + ky;
          if (iy < 0 || iy >= in.dims.h) continue;  // padding never wins
          for (int kx = 0; kx < s.kernel; ++kx) {
            int ix = x * s.stride - s.pad + kx;
            if (ix < 0 || ix >= in.dims.w) continue;
            const T v = at(in, c, iy, ix);
            if (v > best || v != v) best = v;  // NaN propagates, as in PyTorch
          }
        }
        at(out, c, y, x) = best;
      }
    }
  }
}

}  // namespace

void max_pool(const ops::MaxPoolShape& s, ConstView in, View out) { max_pool_of<float>(s, in, out); }

void global_average_pool(ConstView in, float* out) {
  ops::detail::check_not_empty("global_average_pool", in.dims);
  for (int c = 0; c < in.dims.c; ++c) {
    double sum = 0;
    for (int y = 0; y < in.dims.h; ++y)
      for (int x = 0; x < in.dims.w; ++x) sum += double(in.row(c, y)[x]);
    out[c] = float(sum / double(in.dims.plane()));
  }
}

std::unique_ptr<ops::Op> make_max_pool(const ops::MaxPoolShape& shape, DType dtype) {
  if (dtype == DType::u8)
    return reference_op_of<std::uint8_t, std::uint8_t>(
        [shape](std::span<const BasicView<const std::uint8_t>> in, BasicView<std::uint8_t> out) {
          max_pool_of<std::uint8_t>(shape, in[0], out);
        },
        1);
  return reference_op([shape](std::span<const ConstView> in, View out) { max_pool(shape, in[0], out); }, 1);
}

std::unique_ptr<ops::Op> make_global_average_pool(DType dtype, QuantParams input) {
  if (dtype == DType::u8)
    return reference_op_of<std::uint8_t, float>(
        [input](std::span<const BasicView<const std::uint8_t>> in, View out) {
          ops::detail::check_same_dims("global_average_pool", "output", out.dims, Dims{in[0].dims.c, 1, 1});
          for (int c = 0; c < in[0].dims.c; ++c) {  // the integer sum, element by element
            std::int64_t sum = 0;
            for (int y = 0; y < in[0].dims.h; ++y)
              for (int x = 0; x < in[0].dims.w; ++x) sum += at(in[0], c, y, x);
            const double count = double(in[0].dims.plane());
            out.data[c] = float(double(input.scale) * (double(sum) - double(input.zero_point) * count) / count);
          }
        },
        1);
  return reference_op(
      [](std::span<const ConstView> in, View out) {
        ops::detail::check_same_dims("global_average_pool", "output", out.dims, Dims{in[0].dims.c, 1, 1});
        global_average_pool(in[0], out.data);
      },
      1);
}

}  // namespace ffnet::reference
