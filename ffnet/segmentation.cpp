#include "ffnet/segmentation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "ops/resize_taps.hpp"
#include "ffnet/core/error.hpp"

namespace ffnet {

std::vector<std::uint8_t> label_map(ConstView logits, int height, int width, bool align_corners, int threads) {
  const Dims d = logits.dims;
  if (d.c < 1 || d.c > 255) throw_internal("label_map: unsupported channel count");
  const std::vector<ops::BilinearTap> ty = ops::bilinear_taps(d.h, height, align_corners);
  const std::vector<ops::BilinearTap> tx = ops::bilinear_taps(d.w, width, align_corners);
  std::vector<std::uint8_t> labels(std::size_t(height) * std::size_t(width));
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int y = 0; y < height; ++y) {
    const ops::BilinearTap& a = ty[std::size_t(y)];
    for (int x = 0; x < width; ++x) {
      const ops::BilinearTap& b = tx[std::size_t(x)];
      int best = 0;
      float best_value = 0;
      for (int c = 0; c < d.c; ++c) {
        const float* r0 = logits.row(c, a.i0);
        const float* r1 = logits.row(c, a.i1);
        float v = a.w0 * (b.w0 * r0[b.i0] + b.w1 * r0[b.i1]) + a.w1 * (b.w0 * r1[b.i0] + b.w1 * r1[b.i1]);
        if (c == 0 || v > best_value) {
          best = c;
          best_value = v;
        }
      }
      labels[std::size_t(y) * std::size_t(width) + std::size_t(x)] = std::uint8_t(best);
    }
  }
  return labels;
}

const std::array<Rgb, 19>& cityscapes_palette() {
  static const std::array<Rgb, 19> palette = {{
      {128, 64, 128}, {244, 35, 232}, {70, 70, 70},   {102, 102, 156}, {190, 153, 153},
      {153, 153, 153}, {250, 170, 30}, {220, 220, 0}, {107, 142, 35},  {152, 251, 152},
      {70, 130, 180}, {220, 20, 60},   {255, 0, 0},   {0, 0, 142},     {0, 0, 70},
      {0, 60, 100},   {0, 80, 100},    {0, 0, 230},   {119, 11, 32},
  }};
  return palette;
}

std::vector<std::uint8_t> colorize(const std::vector<std::uint8_t>& labels) {
  std::vector<std::uint8_t> rgb(labels.size() * 3, 0);
  const auto& palette = cityscapes_palette();
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] < palette.size())
      std::copy(palette[labels[i]].begin(), palette[labels[i]].end(), rgb.begin() + std::ptrdiff_t(3 * i));
  return rgb;
}

std::vector<std::uint8_t> overlay(const Image& photo, const std::vector<std::uint8_t>& labels, float alpha) {
  if (labels.size() != std::size_t(photo.width) * std::size_t(photo.height))
    throw_internal("overlay: label map and photo sizes differ");
  const std::vector<std::uint8_t> colors = colorize(labels);
  std::vector<std::uint8_t> out(colors.size());
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = std::uint8_t(std::lround(alpha * float(colors[i]) + (1.0f - alpha) * float(photo.rgb[i])));
  return out;
}

std::vector<ClassScore> top_k(const float* logits, int count, int k) {
  k = std::clamp(k, 0, count);
  const float peak = *std::max_element(logits, logits + count);
  double sum = 0;
  for (int i = 0; i < count; ++i) sum += std::exp(double(logits[i]) - double(peak));
  std::vector<int> order(static_cast<std::size_t>(count));
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [&](int a, int b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); });
  std::vector<ClassScore> scores;
  for (int i = 0; i < k; ++i)
    scores.push_back({order[std::size_t(i)], float(std::exp(double(logits[order[std::size_t(i)]]) - double(peak)) / sum)});
  return scores;
}

}  // namespace ffnet
