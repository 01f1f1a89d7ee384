#pragma once
// Source indices and weights of one axis of a bilinear resize, with PyTorch's rules
// (upsample_bilinear2d without antialiasing, as 1.13's CPU kernel computes them): the scale in
// float, the source coordinate from it in double, the weights rounded to float; align_corners
// maps corner pixel centres onto each other, otherwise half-pixel centres clamped at 0.
// Used for pre- and post-processing (picture resizing, label maps); the model's own
// Up-head resizing is ops/resize.hpp.
#include <algorithm>
#include <vector>

namespace ffnet {

struct BilinearTap {
  int i0 = 0;
  int i1 = 0;
  float w0 = 1;
  float w1 = 0;
};

inline std::vector<BilinearTap> bilinear_taps(int in, int out, bool align_corners) {
  std::vector<BilinearTap> taps(static_cast<std::size_t>(out));
  float scale;
  if (align_corners) scale = out > 1 ? float(in - 1) / float(out - 1) : 0.0f;
  else scale = float(in) / float(out);
  for (int d = 0; d < out; ++d) {
    const double src = align_corners ? double(scale) * d : std::max(double(scale) * (d + 0.5) - 0.5, 0.0);
    int i0 = std::min(int(src), in - 1);
    int step = i0 < in - 1 ? 1 : 0;
    float w1 = float(src - double(i0));
    taps[std::size_t(d)] = {i0, i0 + step, 1.0f - w1, w1};
  }
  return taps;
}

}  // namespace ffnet
