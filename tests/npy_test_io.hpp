#pragma once
// Minimal .npy reader for test vectors: format 1.0 or 2.0, dtype '<f4', C order. Anything else
// throws std::runtime_error. Test-only: it trusts the files our own script writes.
#include <bit>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace ffnet::test {

struct NpyArray {
  std::vector<std::int64_t> shape;
  std::vector<float> data;
};

inline NpyArray read_npy(const std::string& path) {
  static_assert(std::endian::native == std::endian::little, "'<f4' is copied as is");
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot open " + path);
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  auto fail = [&](const std::string& why) { throw std::runtime_error(path + ": " + why); };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) fail("not a .npy file");
  const auto major = std::uint8_t(bytes[6]);
  std::size_t header_len = 0, header_start = 0;
  auto byte = [&](std::size_t i) { return std::size_t(std::uint8_t(bytes[i])); };
  if (major == 1) {
    header_len = byte(8) | byte(9) << 8;
    header_start = 10;
  } else if (major == 2) {
    if (bytes.size() < 12) fail("truncated header");
    header_len = byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24;
    header_start = 12;
  } else {
    fail("unsupported .npy version " + std::to_string(major));
  }
  if (header_start + header_len > bytes.size()) fail("truncated header");
  const std::string header = bytes.substr(header_start, header_len);
  if (header.find("'descr': '<f4'") == std::string::npos) fail("dtype is not '<f4'");
  if (header.find("'fortran_order': False") == std::string::npos) fail("not C order");
  const auto open = header.find("'shape': (");
  const auto close = header.find(')', open);
  if (open == std::string::npos || close == std::string::npos) fail("no shape");

  NpyArray array;
  std::size_t count = 1;
  const char* p = header.c_str() + open + 10;
  const char* end = header.c_str() + close;
  while (p < end) {
    if (*p == ' ' || *p == ',') {
      ++p;
      continue;
    }
    char* next = nullptr;
    long long dim = std::strtoll(p, &next, 10);
    if (next == p || dim < 0) fail("bad shape");
    array.shape.push_back(dim);
    count *= std::size_t(dim);
    p = next;
  }
  const std::size_t data_start = header_start + header_len;
  if (bytes.size() - data_start != count * sizeof(float)) fail("data size does not match shape");
  array.data.resize(count);
  if (count) std::memcpy(array.data.data(), bytes.data() + data_start, count * sizeof(float));
  return array;
}

}  // namespace ffnet::test
