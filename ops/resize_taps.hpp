#pragma once
// Source indices (and weights) of one axis of a resize, with PyTorch 1.13's rules
// (F.interpolate without antialiasing, as its CPU kernels compute them):
// - bilinear: the scale in float, the source coordinate from it in double, the weights rounded
//   to float; align_corners maps corner pixel centres onto each other (equal sizes copy),
//   otherwise half-pixel centres clamped at 0;
// - nearest: min(floor(dst * (in / out)), in - 1), all in float.
// Used by the resize op and by the pre- and post-processing (picture resizing, label maps).
#include <algorithm>
#include <cmath>
#include <vector>

namespace ffnet::ops {

struct BilinearTap {
  int i0 = 0;
  int i1 = 0;
  float w0 = 1;
  float w1 = 0;
};

// The tap of output index d (what the reference ops evaluate per element, allocating nothing).
inline BilinearTap bilinear_tap(int in, int out, bool align_corners, int d) {
  float scale;
  if (align_corners) scale = out > 1 ? float(in - 1) / float(out - 1) : 0.0f;
  else scale = float(in) / float(out);
  const double src = align_corners ? double(scale) * d : std::max(double(scale) * (d + 0.5) - 0.5, 0.0);
  const int i0 = std::min(int(src), in - 1);
  const int step = i0 < in - 1 ? 1 : 0;
  const float w1 = float(src - double(i0));
  return {i0, i0 + step, 1.0f - w1, w1};
}

inline int nearest_tap(int in, int out, int d) {
  const float scale = float(in) / float(out);
  return std::min(int(std::floor(float(d) * scale)), in - 1);
}

// Every output index's tap.
inline std::vector<BilinearTap> bilinear_taps(int in, int out, bool align_corners) {
  std::vector<BilinearTap> taps(static_cast<std::size_t>(out));
  for (int d = 0; d < out; ++d) taps[std::size_t(d)] = bilinear_tap(in, out, align_corners, d);
  return taps;
}

inline std::vector<int> nearest_taps(int in, int out) {
  std::vector<int> taps(static_cast<std::size_t>(out));
  for (int d = 0; d < out; ++d) taps[std::size_t(d)] = nearest_tap(in, out, d);
  return taps;
}

}  // namespace ffnet::ops
