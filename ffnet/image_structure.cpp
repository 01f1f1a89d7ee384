#include "ffnet/image_structure.hpp"

#include <cstring>

#include "ffnet/core/error.hpp"

namespace ffnet {
namespace {

using Bytes = std::span<const std::uint8_t>;

std::uint64_t be(Bytes b, std::size_t at, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = v << 8 | b[at + i];
  return v;
}

std::uint64_t le(Bytes b, std::size_t at, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | b[at + i];
  return v;
}

std::string marker_name(std::uint8_t marker) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  return std::string("FF") + kHex[marker >> 4] + kHex[marker & 15];
}

[[noreturn]] void truncated(const std::string& name, const char* format, const std::string& what) {
  throw_input(name + ": truncated " + format + ": " + what);
}

// Chunks from the signature on: each must fit in the file, up to and including IEND.
void check_png(Bytes b, const std::string& name) {
  std::size_t at = 8;
  while (at + 8 <= b.size()) {
    const std::uint64_t length = be(b, at, 4);
    const std::string type(reinterpret_cast<const char*>(b.data() + at + 4), 4);
    if (at + 12 + length > b.size())
      truncated(name, "PNG", "chunk '" + type + "' at byte " + std::to_string(at) + " runs past the end of the file");
    if (type == "IEND") return;
    at += 12 + std::size_t(length);
  }
  truncated(name, "PNG", "the file ends before the IEND chunk");
}

// Markers from SOI to the first start of scan, then an end-of-image marker after it (entropy-
// coded data never contains FF D9: a data byte FF is followed by 00 or a restart marker).
void check_jpeg(Bytes b, const std::string& name) {
  std::size_t at = 2;
  while (at + 4 <= b.size()) {
    if (b[at] != 0xFF) return;  // not a marker: stb reports the corruption
    const std::uint8_t marker = b[at + 1];
    if (marker == 0xFF || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // fill byte, standalone
      at += marker == 0xFF ? 1 : 2;
      continue;
    }
    if (marker == 0xD9) return;  // EOI before any scan: stb reports the missing frame
    const std::size_t end = at + 2 + std::size_t(be(b, at + 2, 2));
    if (end > b.size())
      truncated(name, "JPEG", "segment " + marker_name(marker) + " at byte " + std::to_string(at) +
                                  " runs past the end of the file");
    if (marker == 0xDA) {
      for (std::size_t i = end; i + 1 < b.size(); ++i)
        if (b[i] == 0xFF && b[i + 1] == 0xD9) return;
      truncated(name, "JPEG", "no end-of-image marker after the image data");
    }
    at = end;
  }
  truncated(name, "JPEG", "the file ends before the image data");
}

// Uncompressed and bit-field BMPs: the pixel rows the header promises must be in the file.
void check_bmp(Bytes b, const std::string& name) {
  if (b.size() < 18) truncated(name, "BMP", "the file ends inside the headers");
  const std::uint64_t info_size = le(b, 14, 4);
  std::int64_t width = 0, height = 0;
  std::uint64_t bits = 0, compression = 0;
  if (info_size == 12 && b.size() >= 26) {
    width = std::int64_t(le(b, 18, 2));
    height = std::int64_t(le(b, 20, 2));
    bits = le(b, 24, 2);
  } else if (info_size >= 40 && b.size() >= 34) {
    width = std::int32_t(std::uint32_t(le(b, 18, 4)));
    height = std::int32_t(std::uint32_t(le(b, 22, 4)));
    bits = le(b, 28, 2);
    compression = le(b, 30, 4);
  } else {
    if (b.size() < 14 + info_size) truncated(name, "BMP", "the file ends inside the headers");
    return;  // a header stb does not know: it reports it
  }
  if (b.size() < 14 + info_size) truncated(name, "BMP", "the file ends inside the headers");
  if (width <= 0 || height == 0 || bits == 0 || bits > 32 || (compression != 0 && compression != 3 && compression != 6))
    return;  // stb refuses these or reads them another way
  const std::uint64_t rows = std::uint64_t(height < 0 ? -height : height);
  const std::uint64_t row_bytes = (std::uint64_t(width) * bits + 31) / 32 * 4;
  const std::uint64_t needed = le(b, 10, 4) + rows * row_bytes;  // from the pixel-data offset
  if (needed > b.size())
    truncated(name, "BMP", "pixel data needs " + std::to_string(needed) + " bytes, the file has " +
                               std::to_string(b.size()));
}

}  // namespace

void check_complete(Bytes bytes, const std::string& name) {
  static constexpr std::uint8_t kPng[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), kPng, 8) == 0) return check_png(bytes, name);
  if (bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) return check_jpeg(bytes, name);
  if (bytes.size() >= 2 && bytes[0] == 'B' && bytes[1] == 'M') return check_bmp(bytes, name);
}

}  // namespace ffnet
