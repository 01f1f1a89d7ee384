// Naive int8 quantise, resize and add: the definitions of qu8_ops.hpp evaluated element by
// element, the source taps computed for each. u8 maps are channels-last (tensor.hpp): element
// (c, y, x) at pixel(y, x)[c]; the quantise reads a channel-major float map.
#include "ops/checks.hpp"
#include "ops/qu8_ops.hpp"
#include "ops/reference.hpp"
#include "ops/reference/reference_op.hpp"
#include "ops/resize_blend.hpp"
#include "ops/resize_taps.hpp"

namespace ffnet::reference {

using U8View = BasicView<std::uint8_t>;
using ConstU8View = BasicView<const std::uint8_t>;

std::unique_ptr<ops::Op> make_quantize(QuantParams output) {
  return reference_op_of<float, std::uint8_t>(
      [output](std::span<const ConstView> in, U8View out) {
        ops::detail::check_same_dims("quantize", "output", out.dims, in[0].dims);
        for (int c = 0; c < out.dims.c; ++c)
          for (int y = 0; y < out.dims.h; ++y)
            for (int x = 0; x < out.dims.w; ++x)
              out.pixel(y, x)[c] = quantize_u8(in[0].row(c, y)[x], output.inverse_scale(), output.zero_point);
      },
      1);
}

// Element by element: the same for any layout.
std::unique_ptr<ops::Op> make_qu8_add(QuantParams a, QuantParams b, QuantParams output) {
  return reference_op_of<std::uint8_t, std::uint8_t>(
      [a, b, output](std::span<const ConstU8View> in, U8View out) {
        ops::detail::check_same_dims("qu8_add", "output", out.dims, in[0].dims);
        ops::detail::check_same_dims("qu8_add", "second operand", in[1].dims, in[0].dims);
        for (std::size_t i = 0; i < out.dims.size(); ++i)
          out.data[i] = quantize_u8(dequantize(in[0].data[i], a) + dequantize(in[1].data[i], b),
                                    output.inverse_scale(), output.zero_point);
      },
      2);
}

std::unique_ptr<ops::Op> make_qu8_resize(ops::ResizeMode mode, QuantParams input, std::optional<QuantParams> add,
                                         QuantParams output) {
  return reference_op_of<std::uint8_t, std::uint8_t>(
      [=](std::span<const ConstU8View> in, U8View out) {
        const ConstU8View x = in[0];
        if (x.dims.c != out.dims.c || (add && !(in[1].dims == out.dims))) throw_internal("qu8_resize: dims");
        for (int c = 0; c < out.dims.c; ++c)
          for (int y = 0; y < out.dims.h; ++y)
            for (int j = 0; j < out.dims.w; ++j) {
              float u;
              if (mode == ops::ResizeMode::nearest) {
                const int sy = ops::nearest_tap(x.dims.h, out.dims.h, y);
                const int sx = ops::nearest_tap(x.dims.w, out.dims.w, j);
                u = dequantize(x.pixel(sy, sx)[c], input);
              } else {
                const ops::BilinearTap ty = ops::bilinear_tap(x.dims.h, out.dims.h, true, y);
                const ops::BilinearTap tx = ops::bilinear_tap(x.dims.w, out.dims.w, true, j);
                auto row = [&](int sy) {
                  return ops::blend(dequantize(x.pixel(sy, tx.i0)[c], input), tx.w0,
                                    dequantize(x.pixel(sy, tx.i1)[c], input), tx.w1);
                };
                u = ops::blend(row(ty.i0), ty.w0, row(ty.i1), ty.w1);
              }
              if (add) u = u + dequantize(in[1].pixel(y, j)[c], *add);
              out.pixel(y, j)[c] = quantize_u8(u, output.inverse_scale(), output.zero_point);
            }
      },
      add ? 2 : 1);
}

}  // namespace ffnet::reference
