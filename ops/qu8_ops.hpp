#pragma once
// The int8 ops besides the convolution (ops/qu8_conv.hpp), on u8 maps of per-tensor scale and
// zero point. Each computes, per element, the float op on the dequantised values
// (ffnet/core/quant.hpp: real = s * (q - z)), then quantises with the output's parameters; the
// reference implementations define the same per element, naively. u8 maps are channels-last
// (ffnet/core/tensor.hpp: element (c, y, x) at pixel(y, x)[c]).
#include <memory>
#include <optional>

#include "ffnet/core/quant.hpp"
#include "ops/op.hpp"
#include "ops/resize.hpp"

namespace ffnet::ops {

// float32 -> u8: q = quantize_u8(x, 1 / s, z), from a channel-major float map (the network's
// input) to a channels-last u8 one.
std::unique_ptr<Op> make_quantize(QuantParams output, const OpConfig& config);

// resize(in) [+ add] to the output's height and width (inputs [in] or [in, add]):
//   nearest:  u = real(in[sy][sx]);
//   bilinear: u = blend(blend(real(in[y0][x0]), real(in[y0][x1])), blend(...)) with the float
//             resize's taps and blend (resize_taps.hpp, resize_blend.hpp), rows first;
//   then u += real(add), and q = quantize(u) with `output`. Nearest without the add and with
//   input == output copies the input's pixels.
std::unique_ptr<Op> make_qu8_resize(ResizeMode mode, QuantParams input, std::optional<QuantParams> add,
                                    QuantParams output, const OpConfig& config);

// q = quantize(real(a) + real(b)) (inputs [a, b]).
std::unique_ptr<Op> make_qu8_add(QuantParams a, QuantParams b, QuantParams output, const OpConfig& config);

}  // namespace ffnet::ops
