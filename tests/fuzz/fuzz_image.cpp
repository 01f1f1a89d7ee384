// libFuzzer target: picture decoding (stb_image's PNG, JPEG and BMP decoders behind our size
// and structure checks) and the conversion to a network input. The limits are smaller than the
// defaults so that the fuzzer spends its time in the decoders, not in memset. The decoders are
// also run on their own, without our checks in front, so that inputs our structure check
// refuses (truncated files) still reach them.
#include <cstddef>
#include <cstdint>
#include <span>

#include "ffnet/core/error.hpp"
#include "ffnet/image.hpp"

#define STBI_NO_STDIO
#include <stb/stb_image.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ffnet::ImageLimits limits{.max_side = 4096, .max_pixels = 1 << 20};
  try {
    const ffnet::Image image = ffnet::decode_image(std::span(data, size), "fuzz.img", limits);
    if (image.width < 1 || image.height < 1 || image.width > limits.max_side || image.height > limits.max_side ||
        image.rgb.size() != std::size_t(image.width) * std::size_t(image.height) * 3)
      __builtin_trap();
    const ffnet::Tensor input = ffnet::image_to_input(image);
    if (input.size() != image.rgb.size()) __builtin_trap();
  } catch (const ffnet::Error& e) {
    if (e.kind() != ffnet::ErrorKind::input) __builtin_trap();
  }
  int w = 0, h = 0, c = 0;
  if (size < (1u << 30) && stbi_info_from_memory(data, int(size), &w, &h, &c) && w <= limits.max_side &&
      h <= limits.max_side && std::int64_t(w) * h <= limits.max_pixels) {
    stbi_uc* pixels = stbi_load_from_memory(data, int(size), &w, &h, &c, 3);
    stbi_image_free(pixels);
  }
  return 0;
}
