// Naive resize: PyTorch 1.13's source-index rules evaluated per output pixel, the interpolation
// itself in double.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "ops/checks.hpp"
#include "ops/reference.hpp"
#include "ops/reference/reference_op.hpp"

namespace ffnet::reference {
namespace {

// align_corners=True: src = dst * (in-1)/(out-1), with the ratio rounded to float and the
// product taken in double (PyTorch's area_pixel_compute_scale<float> and its double accscalar).
// The two neighbours are floor(src) and floor(src)+1 clamped to in-1; lambdas are rounded to
// float. Equal sizes copy.
struct LinearSample {
  int i0, i1;
  float l0, l1;
};
LinearSample linear_sample(int dst, int in, int out) {
  if (in == out) return {dst, dst, 1.0f, 0.0f};
  float ratio = out > 1 ? float(in - 1) / float(out - 1) : 0.0f;
  double src = double(ratio) * double(dst);
  auto i0 = std::int64_t(src);
  auto i1 = i0 < in - 1 ? i0 + 1 : i0;
  float l1 = float(src - double(i0));
  return {int(i0), int(i1), 1.0f - l1, l1};
}

// "nearest": src = min(floor(dst * scale), in-1) with scale = in/out, all in float.
int nearest_sample(int dst, int in, int out) {
  float scale = float(in) / float(out);
  return std::min(int(std::floor(float(dst) * scale)), in - 1);
}

}  // namespace

void resize(ops::ResizeMode mode, ConstView in, View out, ConstView add) {
  ops::detail::check_not_empty("resize", in.dims);
  ops::detail::check_not_empty("resize", out.dims);
  if (in.dims.c != out.dims.c) throw_internal("resize: channels " + in.dims.str() + " -> " + out.dims.str());
  if (add.data) ops::detail::check_same_dims("resize", "add", add.dims, out.dims);
  for (int c = 0; c < out.dims.c; ++c) {
    for (int y = 0; y < out.dims.h; ++y) {
      for (int x = 0; x < out.dims.w; ++x) {
        double value;
        if (mode == ops::ResizeMode::nearest) {
          value = in.row(c, nearest_sample(y, in.dims.h, out.dims.h))[nearest_sample(x, in.dims.w, out.dims.w)];
        } else {
          LinearSample sy = linear_sample(y, in.dims.h, out.dims.h);
          LinearSample sx = linear_sample(x, in.dims.w, out.dims.w);
          const float* r0 = in.row(c, sy.i0);
          const float* r1 = in.row(c, sy.i1);
          double top = double(sx.l0) * r0[sx.i0] + double(sx.l1) * r0[sx.i1];
          double bottom = double(sx.l0) * r1[sx.i0] + double(sx.l1) * r1[sx.i1];
          value = double(sy.l0) * top + double(sy.l1) * bottom;
        }
        if (add.data) value += double(add.row(c, y)[x]);
        out.row(c, y)[x] = float(value);
      }
    }
  }
}

std::unique_ptr<ops::Op> make_resize(ops::ResizeMode mode) {
  return reference_op(
      [mode](std::span<const ConstView> in, View out) { resize(mode, in[0], out, in.size() > 1 ? in[1] : ConstView()); },
      0);
}

}  // namespace ffnet::reference
