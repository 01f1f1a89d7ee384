#pragma once
// Test-only PNG encoder for any colour type and 8- or 16-bit depth (stb_image_write only
// writes 8-bit): uncompressed zlib blocks, filter type 0. Also makes headers that lie.
#include <cstdint>
#include <string>
#include <vector>

namespace ffnet::testing {

inline std::uint32_t crc32(const std::string& bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

inline void put32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += char((v >> shift) & 0xFF);
}

inline void chunk(std::string& png, const char* type, const std::string& data) {
  put32(png, std::uint32_t(data.size()));
  std::string body = std::string(type, 4) + data;
  png += body;
  put32(png, crc32(body));
}

// samples: row-major, `channels` samples per pixel, each 0..255 or 0..65535 (big-endian on disk).
// color_type: 0 grey, 2 RGB, 4 grey+alpha, 6 RGBA.
inline std::string encode_png(int width, int height, int color_type, int bit_depth,
                              const std::vector<std::uint16_t>& samples) {
  const int channels = color_type == 0 ? 1 : color_type == 2 ? 3 : color_type == 4 ? 2 : 4;
  std::string raw;
  for (int y = 0; y < height; ++y) {
    raw += '\0';  // filter: none
    for (int i = 0; i < width * channels; ++i) {
      std::uint16_t v = samples[std::size_t(y) * std::size_t(width * channels) + std::size_t(i)];
      if (bit_depth == 16) raw += char(v >> 8);
      raw += char(v & 0xFF);
    }
  }
  std::string z = "\x78\x01";
  std::uint32_t a = 1, b = 0;
  for (unsigned char c : raw) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  for (std::size_t pos = 0; pos == 0 || pos < raw.size(); pos += 65535) {
    std::size_t n = std::min<std::size_t>(65535, raw.size() - pos);
    z += char(pos + n >= raw.size() ? 1 : 0);
    z += char(n & 0xFF);
    z += char(n >> 8);
    z += char(~n & 0xFF);
    z += char((~n >> 8) & 0xFF);
    z += raw.substr(pos, n);
  }
  put32(z, (b << 16) | a);
  std::string ihdr;
  put32(ihdr, std::uint32_t(width));
  put32(ihdr, std::uint32_t(height));
  ihdr += char(bit_depth);
  ihdr += char(color_type);
  ihdr += std::string(3, '\0');
  std::string png = "\x89PNG\r\n\x1a\n";
  chunk(png, "IHDR", ihdr);
  chunk(png, "IDAT", z);
  chunk(png, "IEND", "");
  return png;
}

}  // namespace ffnet::testing
