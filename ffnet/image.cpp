#include "ffnet/image.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "ffnet/core/atomic_file.hpp"
#include "ops/resize_taps.hpp"
#include "ffnet/core/error.hpp"
#include "ffnet/image_structure.hpp"

#define STBI_NO_STDIO
#define STBI_WRITE_NO_STDIO
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

namespace ffnet {
namespace {

constexpr float kMean[3] = {0.485f, 0.456f, 0.406f};
constexpr float kStd[3] = {0.229f, 0.224f, 0.225f};

std::vector<std::uint8_t> read_whole_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw_input(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    std::fclose(f);
    throw_input(path + ": not a regular file");
  }
  if (st.st_size > kMaxImageFileBytes) {
    std::fclose(f);
    throw_input(path + ": image file larger than 1 GiB");
  }
  std::vector<std::uint8_t> bytes(std::size_t(st.st_size));
  std::size_t got = bytes.empty() ? 0 : std::fread(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
  if (got != bytes.size()) throw_input(path + ": read failed");
  return bytes;
}

std::string size_limit_message(const std::string& name, std::int64_t width, std::int64_t height,
                               const ImageLimits& limits) {
  return name + ": image of " + std::to_string(width) + "x" + std::to_string(height) + " exceeds the limit of " +
         std::to_string(limits.max_side) + " pixels per side and " + std::to_string(limits.max_pixels) +
         " pixels in all";
}

bool exceeds(std::int64_t width, std::int64_t height, const ImageLimits& limits) {
  return width > limits.max_side || height > limits.max_side || width * height > limits.max_pixels;
}

// stb's header scan refuses huge PNG dimensions itself and then reports only "unknown image
// type"; reading IHDR (fixed position after the signature) lets us name the real problem.
void check_png_header_size(std::span<const std::uint8_t> bytes, const std::string& name, const ImageLimits& limits) {
  static constexpr std::uint8_t kSignature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (bytes.size() < 24 || std::memcmp(bytes.data(), kSignature, 8) != 0 || std::memcmp(bytes.data() + 12, "IHDR", 4) != 0)
    return;
  auto be32 = [&](std::size_t at) {
    return std::int64_t(bytes[at]) << 24 | std::int64_t(bytes[at + 1]) << 16 | std::int64_t(bytes[at + 2]) << 8 |
           std::int64_t(bytes[at + 3]);
  };
  if (exceeds(be32(16), be32(20), limits)) throw_input(size_limit_message(name, be32(16), be32(20), limits));
}

}  // namespace

Image decode_image(std::span<const std::uint8_t> bytes, const std::string& name, const ImageLimits& limits) {
  if (limits.max_side < 1 || limits.max_side > kMaxImageSideCompiled || limits.max_pixels < 1)
    throw_usage("image limits must be 1.." + std::to_string(kMaxImageSideCompiled) + " pixels per side");
  if (bytes.size() > std::size_t(kMaxImageFileBytes)) throw_input(name + ": image file larger than 1 GiB");
  const int len = int(bytes.size());
  int width = 0, height = 0, channels = 0;
  if (!stbi_info_from_memory(bytes.data(), len, &width, &height, &channels)) {
    check_png_header_size(bytes, name, limits);
    throw_input(name + ": not a decodable PNG, JPEG or BMP image (" + stbi_failure_reason() + ")");
  }
  // A BMP stored top-down says so with a negative height, which stbi_info passes on as it is.
  std::int64_t rows = height;
  if (rows < 0 && bytes.size() >= 2 && bytes[0] == 'B' && bytes[1] == 'M') rows = -rows;
  if (width < 1 || rows < 1) throw_input(name + ": image has no pixels");
  if (exceeds(width, rows, limits)) throw_input(size_limit_message(name, width, rows, limits));
  height = int(rows);
  check_complete(bytes, name);
  int w = 0, h = 0, source_channels = 0;
  stbi_uc* pixels = stbi_load_from_memory(bytes.data(), len, &w, &h, &source_channels, 3);
  if (!pixels) throw_input(name + ": cannot decode image (" + stbi_failure_reason() + ")");
  Image image;
  if (w != width || h != height) {
    stbi_image_free(pixels);
    throw_input(name + ": image header and data disagree about its size");
  }
  image.width = w;
  image.height = h;
  image.rgb.assign(pixels, pixels + std::size_t(w) * std::size_t(h) * 3);
  stbi_image_free(pixels);
  return image;
}

Image load_image(const std::string& path, const ImageLimits& limits) {
  const std::vector<std::uint8_t> bytes = read_whole_file(path);
  return decode_image(bytes, path, limits);
}

Tensor image_to_input(const Image& image) { return pixels_to_input(image.rgb.data(), image.height, image.width); }

Tensor pixels_to_input(const std::uint8_t* pixels, int height, int width, ChannelOrder order) {
  if (height < 1 || width < 1) throw_input("a picture of " + std::to_string(height) + "x" + std::to_string(width) + " pixels");
  Tensor t({1, 3, height, width});
  const std::size_t plane = std::size_t(width) * std::size_t(height);
  for (int c = 0; c < 3; ++c) {
    float* out = t.data() + std::size_t(c) * plane;
    const float scale = 1.0f / (255.0f * kStd[c]);
    const float shift = kMean[c] / kStd[c];
    const std::size_t source = order == ChannelOrder::rgb ? std::size_t(c) : std::size_t(2 - c);
    for (std::size_t i = 0; i < plane; ++i) out[i] = float(pixels[3 * i + source]) * scale - shift;
  }
  return t;
}

Tensor resize_bilinear(const Tensor& input, int height, int width, int threads) {
  const Dims in = input.image_dims();
  Tensor out({input.batch(), in.c, height, width});
  const auto ty = ops::bilinear_taps(in.h, height, false);
  const auto tx = ops::bilinear_taps(in.w, width, false);
  const int planes = input.batch() * in.c;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int p = 0; p < planes; ++p) {
    const float* src = input.data() + std::size_t(p) * in.plane();
    float* dst = out.data() + std::size_t(p) * std::size_t(height) * std::size_t(width);
    for (int y = 0; y < height; ++y) {
      const ops::BilinearTap& a = ty[std::size_t(y)];
      const float* r0 = src + std::size_t(a.i0) * std::size_t(in.w);
      const float* r1 = src + std::size_t(a.i1) * std::size_t(in.w);
      for (int x = 0; x < width; ++x) {
        const ops::BilinearTap& b = tx[std::size_t(x)];
        dst[std::size_t(y) * std::size_t(width) + std::size_t(x)] =
            a.w0 * (b.w0 * r0[b.i0] + b.w1 * r0[b.i1]) + a.w1 * (b.w0 * r1[b.i0] + b.w1 * r1[b.i1]);
      }
    }
  }
  return out;
}

void write_png(const std::string& path, int width, int height, int channels, const std::uint8_t* pixels) {
  struct Sink {
    std::vector<std::uint8_t> bytes;
  } sink;
  auto append = [](void* context, void* data, int size) {
    auto* s = static_cast<Sink*>(context);
    auto* p = static_cast<std::uint8_t*>(data);
    s->bytes.insert(s->bytes.end(), p, p + size);
  };
  if (!stbi_write_png_to_func(append, &sink, width, height, channels, pixels, width * channels))
    throw_input(path + ": PNG encoding failed");
  write_file_atomically(path, sink.bytes.data(), sink.bytes.size());
}

bool has_image_extension(const std::string& path) {
  std::string ext = path.substr(path.find_last_of('.') == std::string::npos ? path.size() : path.find_last_of('.'));
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

}  // namespace ffnet
