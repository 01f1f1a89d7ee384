#pragma once
// Pictures in and out: PNG, JPEG and BMP decoding (stb_image, only those decoders compiled)
// with size limits checked before decoding, FFNet's input normalisation, and PNG writing.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ffnet/core/tensor.hpp"

namespace ffnet {

// Largest picture accepted, checked from the header before any pixel is decoded.
struct ImageLimits {
  int max_side = 16384;
  std::int64_t max_pixels = 100'000'000;
};
// stb_image is compiled with this hard ceiling (STBI_MAX_DIMENSIONS); larger ImageLimits are
// refused. It is far above the default limit so that oversized headers reach our own check
// and its clear message (stb alone would only say "unknown image type").
inline constexpr int kMaxImageSideCompiled = 1 << 20;
inline constexpr std::int64_t kMaxImageFileBytes = std::int64_t{1} << 30;

// 8-bit RGB, row-major, 3 bytes per pixel. Grey, grey+alpha, RGBA and 16-bit sources are
// converted (alpha is dropped, 16-bit values are scaled to 8 bits).
struct Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;
};

// `name` labels error messages. Throws ffnet::Error(input) with stb's reason on failure.
Image decode_image(std::span<const std::uint8_t> bytes, const std::string& name, const ImageLimits& limits = {});
Image load_image(const std::string& path, const ImageLimits& limits = {});

// ImageNet normalisation (spec section 7): RGB / 255, minus mean, divided by std, as a
// 1 x 3 x H x W tensor.
Tensor image_to_input(const Image& image);
// The same from pixels in memory: height x width x 3 bytes, row-major, in RGB order or in BGR
// (OpenCV's).
enum class ChannelOrder { rgb, bgr };
Tensor pixels_to_input(const std::uint8_t* pixels, int height, int width, ChannelOrder order = ChannelOrder::rgb);

// Bilinear resize of every image of an N x C x H x W tensor to height x width, as PyTorch's
// F.interpolate(mode="bilinear", align_corners=False) without antialiasing.
Tensor resize_bilinear(const Tensor& input, int height, int width, int threads);

// Writes an 8-bit PNG (channels 1 or 3) atomically: temporary file, then rename.
void write_png(const std::string& path, int width, int height, int channels, const std::uint8_t* pixels);

// True if the file name ends in an extension we decode (.png, .jpg, .jpeg, .bmp; any case).
bool has_image_extension(const std::string& path);

}  // namespace ffnet
