#pragma once
// Turning model outputs into answers: per-pixel Cityscapes train ids (logits resized to the
// picture, then arg-max, as the authors evaluate), the Cityscapes palette, overlays, and
// top-k classes for classification models.
#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "ffnet/image.hpp"
#include "ffnet/core/tensor.hpp"

namespace ffnet {

// Train id per pixel at height x width: the logits (C x h x w) resized bilinearly to that
// size, then the arg-max over channels (the first on ties). `align_corners` as in PyTorch;
// the authors evaluate GPU models with True and mobile models with False.
std::vector<std::uint8_t> label_map(ConstView logits, int height, int width, bool align_corners, int threads);

using Rgb = std::array<std::uint8_t, 3>;
// Cityscapes colours of train ids 0..18 (spec section 7); ids outside get black.
const std::array<Rgb, 19>& cityscapes_palette();

std::vector<std::uint8_t> colorize(const std::vector<std::uint8_t>& labels);
// The palette colour blended over the photo: out = alpha * colour + (1 - alpha) * photo.
std::vector<std::uint8_t> overlay(const Image& photo, const std::vector<std::uint8_t>& labels, float alpha);

struct ClassScore {
  int id = 0;
  float probability = 0;
};
// The k most probable classes under a softmax of `logits`, most probable first.
std::vector<ClassScore> top_k(const float* logits, int count, int k);

}  // namespace ffnet
