// Naive add, channel concatenation and fully connected layer.
#include "ops/checks.hpp"
#include "ops/reference.hpp"

namespace ffnet::reference {

void add(ConstView a, ConstView b, View out) {
  ops::detail::check_same_dims("add", "second operand", b.dims, a.dims);
  ops::detail::check_same_dims("add", "output", out.dims, a.dims);
  for (int c = 0; c < a.dims.c; ++c)
    for (int y = 0; y < a.dims.h; ++y)
      for (int x = 0; x < a.dims.w; ++x)
        out.row(c, y)[x] = float(double(a.row(c, y)[x]) + double(b.row(c, y)[x]));
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

void linear(const float* weight, const float* bias, int in_features, int out_features,
            const float* x, float* y) {
  if (in_features < 1 || out_features < 1) throw_internal("linear: empty layer");
  for (int o = 0; o < out_features; ++o) {
    double acc = bias ? double(bias[o]) : 0.0;
    for (int i = 0; i < in_features; ++i)
      acc += double(weight[std::size_t(o) * std::size_t(in_features) + std::size_t(i)]) * double(x[i]);
    y[o] = float(acc);
  }
}

}  // namespace ffnet::reference
