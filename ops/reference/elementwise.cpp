// Naive add, channel concatenation and fully connected layer. u8 maps are channels-last
// (tensor.hpp).
#include <cstdint>

#include "ops/checks.hpp"
#include "ops/reference.hpp"
#include "ops/reference/reference_op.hpp"

namespace ffnet::reference {

void add(ConstView a, ConstView b, View out) {
  ops::detail::check_same_dims("add", "second operand", b.dims, a.dims);
  ops::detail::check_same_dims("add", "output", out.dims, a.dims);
  for (int c = 0; c < a.dims.c; ++c)
    for (int y = 0; y < a.dims.h; ++y)
      for (int x = 0; x < a.dims.w; ++x) out.row(c, y)[x] = float(double(a.row(c, y)[x]) + double(b.row(c, y)[x]));
}

void concat_channels(std::span<const ConstView> inputs, View out) {
  ops::detail::check_concat(inputs, out.dims);
  int first = 0;
  for (const ConstView& in : inputs) {
    for (int c = 0; c < in.dims.c; ++c)
      for (int y = 0; y < in.dims.h; ++y)
        for (int x = 0; x < in.dims.w; ++x) out.row(first + c, y)[x] = in.row(c, y)[x];
    first += in.dims.c;
  }
}

void linear(const float* weight, const float* bias, int in_features, int out_features, const float* x, float* y) {
  if (in_features < 1 || out_features < 1) throw_internal("linear: empty layer");
  for (int o = 0; o < out_features; ++o) {
    double acc = bias ? double(bias[o]) : 0.0;
    for (int i = 0; i < in_features; ++i)
      acc += double(weight[std::size_t(o) * std::size_t(in_features) + std::size_t(i)]) * double(x[i]);
    y[o] = float(acc);
  }
}

std::unique_ptr<ops::Op> make_add() {
  return reference_op([](std::span<const ConstView> in, View out) { add(in[0], in[1], out); }, 2);
}

std::unique_ptr<ops::Op> make_concat() {
  return reference_op([](std::span<const ConstView> in, View out) { concat_channels(in, out); }, 0);
}

std::unique_ptr<ops::Op> make_qu8_concat() {
  return reference_op_of<std::uint8_t, std::uint8_t>(
      [](std::span<const BasicView<const std::uint8_t>> in, BasicView<std::uint8_t> out) {
        Dims dims[16];
        if (in.size() > 16) throw_internal("concat_channels: more than 16 inputs");
        for (std::size_t i = 0; i < in.size(); ++i) dims[i] = in[i].dims;
        ops::detail::check_concat(std::span<const Dims>(dims, in.size()), out.dims);
        int first = 0;
        for (const BasicView<const std::uint8_t>& part : in) {
          for (int c = 0; c < part.dims.c; ++c)
            for (int y = 0; y < part.dims.h; ++y)
              for (int x = 0; x < part.dims.w; ++x) out.pixel(y, x)[first + c] = part.pixel(y, x)[c];
          first += part.dims.c;
        }
      },
      0);
}

std::unique_ptr<ops::Op> make_linear(std::span<const float> weight, std::span<const float> bias, int in_features,
                                     int out_features) {
  ops::detail::check_linear(weight.size(), bias.size(), in_features, out_features);
  const std::size_t bytes = (weight.size() + bias.size()) * sizeof(float);
  return reference_op(
      [weight = copy_of(weight), bias = copy_of(bias), in_features, out_features](std::span<const ConstView> in,
                                                                                  View out) {
        ops::detail::check_linear_views(in[0].dims, out.dims, in_features, out_features);
        linear(weight.data(), bias.empty() ? nullptr : bias.data(), in_features, out_features, in[0].data, out.data);
      },
      1, bytes);
}

}  // namespace ffnet::reference
