#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "ffnet/core/error.hpp"
#include "ffnet/image.hpp"
#include "ffnet/segmentation.hpp"
#include "tests/png_writer.hpp"

#define STBI_WRITE_NO_STDIO
#include <stb/stb_image_write.h>

using ffnet::decode_image;
using ffnet::testing::encode_png;

namespace {

std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// A 5x3 pattern with distinct values per pixel and channel.
std::vector<std::uint16_t> pattern(int channels, int scale) {
  std::vector<std::uint16_t> v;
  for (int i = 0; i < 15 * channels; ++i) v.push_back(std::uint16_t((i * 37 + 11) % 256 * scale));
  return v;
}

std::string encode_with_stb(int width, int height, const std::vector<std::uint8_t>& rgb, bool jpeg) {
  std::string out;
  auto sink = [](void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<char*>(data), std::size_t(size));
  };
  if (jpeg) stbi_write_jpg_to_func(sink, &out, width, height, 3, rgb.data(), 100);
  else stbi_write_bmp_to_func(sink, &out, width, height, 3, rgb.data());
  return out;
}

}  // namespace

TEST_CASE("pictures: every PNG colour type and depth becomes 8-bit RGB") {
  struct Case {
    int color_type, bit_depth, channels;
  };
  for (Case c : {Case{0, 8, 1}, Case{2, 8, 3}, Case{4, 8, 2}, Case{6, 8, 4}, Case{0, 16, 1}, Case{2, 16, 3},
                 Case{6, 16, 4}}) {
    CAPTURE(c.color_type);
    CAPTURE(c.bit_depth);
    const int scale = c.bit_depth == 16 ? 257 : 1;  // 16-bit values v*257 map back to v
    const auto samples = pattern(c.channels, scale);
    const ffnet::Image image = decode_image(bytes(encode_png(5, 3, c.color_type, c.bit_depth, samples)), "p.png");
    REQUIRE(image.width == 5);
    REQUIRE(image.height == 3);
    for (int i = 0; i < 15; ++i) {
      for (int ch = 0; ch < 3; ++ch) {
        // grey (and grey+alpha) replicate the grey sample; alpha is dropped.
        const int source_channel = c.channels <= 2 ? 0 : ch;
        const int expected = samples[std::size_t(i * c.channels + source_channel)] / scale;
        CHECK(image.rgb[std::size_t(3 * i + ch)] == expected);
      }
    }
  }
}

TEST_CASE("pictures: BMP exactly, JPEG within compression error") {
  std::vector<std::uint8_t> rgb;
  for (int i = 0; i < 16 * 8 * 3; ++i) rgb.push_back(std::uint8_t(i % 3 == 0 ? 200 : i % 3 == 1 ? 40 : 90));
  const ffnet::Image bmp = decode_image(bytes(encode_with_stb(16, 8, rgb, false)), "p.bmp");
  CHECK(bmp.rgb == rgb);
  const ffnet::Image jpg = decode_image(bytes(encode_with_stb(16, 8, rgb, true)), "p.jpg");
  REQUIRE(jpg.rgb.size() == rgb.size());
  for (std::size_t i = 0; i < rgb.size(); ++i) CHECK(std::abs(int(jpg.rgb[i]) - int(rgb[i])) <= 3);
}

TEST_CASE("pictures: a top-down BMP (negative height) decodes like the bottom-up one; an absurd height is refused") {
  std::vector<std::uint8_t> rgb;
  for (int i = 0; i < 7 * 5 * 3; ++i) rgb.push_back(std::uint8_t(i * 11 % 251));
  const std::string bottom_up = encode_with_stb(7, 5, rgb, false);  // 24 bits, rows padded to 24 bytes
  const std::size_t data = bottom_up.size() - 5 * 24;
  std::string top_down = bottom_up.substr(0, data);
  for (int row = 4; row >= 0; --row) top_down += bottom_up.substr(data + std::size_t(row) * 24, 24);
  auto set_height = [](std::string& bmp, std::int32_t height) { std::memcpy(bmp.data() + 22, &height, 4); };
  set_height(top_down, -5);
  const ffnet::Image image = decode_image(bytes(top_down), "top_down.bmp");
  CHECK(image.height == 5);
  CHECK(image.width == 7);
  CHECK(image.rgb == rgb);
  set_height(top_down, INT32_MIN);  // -INT32_MIN does not fit an int
  CHECK_THROWS_WITH(decode_image(bytes(top_down), "huge.bmp"), doctest::Contains("huge.bmp: image of 7x2147483648 exceeds"));
}

TEST_CASE("pictures: limits are checked from the header, before decoding") {
  // The header claims 100000 x 100000 but the data is a few bytes: refused by size, not decoded.
  std::string huge = encode_png(1, 1, 0, 8, {7});
  const char claim[] = {0, 1, char(0x86), char(0xA0)};  // 100000, big-endian
  std::memcpy(&huge[16], claim, 4);
  std::memcpy(&huge[20], claim, 4);
  std::string ihdr = huge.substr(12, 17);
  const std::uint32_t crc = ffnet::testing::crc32(ihdr);
  for (int k = 0; k < 4; ++k) huge[29 + k] = char((crc >> (24 - 8 * k)) & 0xFF);
  CHECK_THROWS_WITH_AS(decode_image(bytes(huge), "huge.png"), doctest::Contains("huge.png: image of 100000x100000"),
                       ffnet::Error);

  const std::string wide = encode_png(300, 2, 0, 8, std::vector<std::uint16_t>(600, 1));
  CHECK_NOTHROW(decode_image(bytes(wide), "wide.png"));
  CHECK_THROWS_WITH_AS(decode_image(bytes(wide), "wide.png", {.max_side = 299}), doctest::Contains("exceeds the limit"),
                       ffnet::Error);
  CHECK_THROWS_WITH_AS(decode_image(bytes(wide), "wide.png", {.max_side = 16384, .max_pixels = 599}),
                       doctest::Contains("exceeds the limit"), ffnet::Error);
  CHECK_THROWS_AS(decode_image(bytes(wide), "wide.png", {.max_side = (1 << 20) + 1}), ffnet::Error);  // above stb's ceiling
}

TEST_CASE("pictures: corrupt data reports stb's reason") {
  const std::string png = encode_png(5, 3, 2, 8, pattern(3, 1));
  CHECK_THROWS_WITH_AS(decode_image(bytes("GIF89a......"), "x.gif"), doctest::Contains("x.gif: not a decodable"),
                       ffnet::Error);
  for (std::size_t cut : {8u, 20u, 33u, 50u, unsigned(png.size() - 12)}) {
    CAPTURE(cut);
    CHECK_THROWS_AS(decode_image(bytes(png.substr(0, cut)), "cut.png"), ffnet::Error);
  }
  std::string bad_crc = png;
  bad_crc[40] ^= 0x55;  // inside the IDAT data: zlib stream damaged
  CHECK_THROWS_AS(decode_image(bytes(bad_crc), "bad.png"), ffnet::Error);
}

TEST_CASE("pictures: PNG output round-trips and overlays blend as documented") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "ffnet_image_test";
  fs::create_directories(dir);
  const std::vector<std::uint8_t> labels = {0, 1, 2, 18, 13, 10};
  ffnet::write_png((dir / "l.png").string(), 3, 2, 1, labels.data());
  const ffnet::Image back = ffnet::load_image((dir / "l.png").string());
  for (std::size_t i = 0; i < labels.size(); ++i) CHECK(back.rgb[3 * i] == labels[i]);

  ffnet::Image photo{3, 2, std::vector<std::uint8_t>(18, 100)};
  const auto blended = ffnet::overlay(photo, labels, 0.25f);
  const auto& palette = ffnet::cityscapes_palette();
  for (std::size_t i = 0; i < labels.size(); ++i)
    for (std::size_t ch = 0; ch < 3; ++ch)
      CHECK(int(blended[3 * i + ch]) == int(std::lround(0.25 * palette[labels[i]][ch] + 0.75 * 100)));
  CHECK(ffnet::colorize({13})[2] == 142);  // car: (0, 0, 142)
  fs::remove_all(dir);
}

TEST_CASE("top-k: softmax probabilities, most probable first") {
  const float logits[] = {1.0f, 3.0f, 2.0f, 3.0f};
  const auto top = ffnet::top_k(logits, 4, 3);
  REQUIRE(top.size() == 3);
  CHECK(top[0].id == 1);  // ties keep the lower id first
  CHECK(top[1].id == 3);
  CHECK(top[2].id == 2);
  const double sum = std::exp(1.0) + 2 * std::exp(3.0) + std::exp(2.0);
  CHECK(top[0].probability == doctest::Approx(std::exp(3.0) / sum));
}

TEST_CASE("pictures: complete files pass the structure check, with or without bytes after the end") {
  // Every seed picture (PNG colour types, baseline/progressive/CMYK JPEG, 24/32-bit BMP) is
  // whole; data after IEND or EOI is common in the wild (camera trailers) and accepted.
  const std::filesystem::path dir = std::filesystem::path(FFNET_SOURCE_DIR) / "tests/fuzz/corpus/image";
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CAPTURE(entry.path().filename().string());
    CHECK_NOTHROW(decode_image(bytes(data), "seed"));
    CHECK_NOTHROW(decode_image(bytes(data + std::string(16, '\x42')), "seed+trailer"));
    ++seen;
  }
  CHECK(seen >= 10);
  const std::string png = encode_png(5, 3, 2, 8, pattern(3, 1));
  CHECK_THROWS_WITH_AS(decode_image(bytes(png.substr(0, png.size() - 12)), "cut.png"),
                       doctest::Contains("cut.png: truncated PNG: the file ends before the IEND chunk"), ffnet::Error);
}
