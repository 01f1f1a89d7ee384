#include "weights/npy.hpp"

#include <cstring>
#include <string_view>

#include "ffnet/core/atomic_file.hpp"
#include "ffnet/core/error.hpp"

namespace ffnet::weights {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;

struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::int64_t> shape;
  bool has_descr = false, has_order = false, has_shape = false;
};

// Parses the Python dict literal of a .npy header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 64, 128), }
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& file) : s_(text), file_(file) {}

  NpyHeader parse() {
    NpyHeader h;
    skip();
    expect('{');
    for (;;) {
      skip();
      if (peek() == '}') { ++pos_; break; }
      std::string key = quoted();
      skip();
      expect(':');
      skip();
      if (key == "descr" && !h.has_descr) {
        h.descr = quoted();
        h.has_descr = true;
      } else if (key == "fortran_order" && !h.has_order) {
        h.fortran_order = boolean();
        h.has_order = true;
      } else if (key == "shape" && !h.has_shape) {
        h.shape = tuple();
        h.has_shape = true;
      } else {
        fail("unexpected or repeated key '" + key + "'");
      }
      skip();
      if (peek() == ',') { ++pos_; continue; }
      skip();
      expect('}');
      break;
    }
    skip();
    if (pos_ != s_.size()) fail("unexpected text after the header dictionary");
    if (!h.has_descr || !h.has_order || !h.has_shape)
      fail("header must give 'descr', 'fortran_order' and 'shape'");
    return h;
  }

 private:
  std::string_view s_;
  const std::string& file_;
  std::size_t pos_ = 0;

  [[noreturn]] void fail(const std::string& what) const {
    throw_input(file_ + ": invalid .npy header: " + what);
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip() {
    while (peek() == ' ' || peek() == '\n' || peek() == '\t') ++pos_;
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string quoted() {
    char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string");
    std::size_t end = s_.find(q, pos_ + 1);
    if (end == std::string_view::npos || end - pos_ > 64) fail("unterminated string");
    std::string out(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return out;
  }
  bool boolean() {
    if (s_.substr(pos_, 4) == "True") { pos_ += 4; return true; }
    if (s_.substr(pos_, 5) == "False") { pos_ += 5; return false; }
    fail("expected True or False");
  }
  std::vector<std::int64_t> tuple() {
    std::vector<std::int64_t> dims;
    expect('(');
    for (;;) {
      skip();
      if (peek() == ')') { ++pos_; return dims; }
      if (peek() < '0' || peek() > '9') fail("shape entries must be non-negative integers");
      std::int64_t d = 0;
      while (peek() >= '0' && peek() <= '9') {
        if (d > (INT64_MAX - 9) / 10) fail("shape entry too large");
        d = d * 10 + (peek() - '0');
        ++pos_;
      }
      if (peek() == 'L') ++pos_;  // Python 2 longs
      dims.push_back(d);
      if (dims.size() > 8) fail("more than 8 dimensions");
      skip();
      if (peek() == ',') { ++pos_; continue; }
      skip();
      expect(')');
      return dims;
    }
  }
};

}  // namespace

Tensor read_npy(const ByteSource& source) {
  const std::string& file = source.name();
  const std::uint64_t size = source.size();
  unsigned char prefix[12] = {};
  if (size < 10) throw_input(file + ": too short for a .npy file");
  source.read(0, prefix, 10);
  if (std::memcmp(prefix, kMagic, kMagicSize) != 0) throw_input(file + ": not a .npy file (bad magic)");
  const int major = prefix[6];
  std::uint64_t header_size = 0;
  std::uint64_t header_start = 0;
  if (major == 1) {
    header_size = std::uint64_t(prefix[8]) | std::uint64_t(prefix[9]) << 8;
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) throw_input(file + ": truncated .npy header");
    source.read(0, prefix, 12);
    header_size = std::uint64_t(prefix[8]) | std::uint64_t(prefix[9]) << 8 |
                  std::uint64_t(prefix[10]) << 16 | std::uint64_t(prefix[11]) << 24;
    header_start = 12;
  } else {
    throw_input(file + ": unsupported .npy version " + std::to_string(major) + "." +
                std::to_string(prefix[7]));
  }
  if (prefix[7] != 0) throw_input(file + ": unsupported .npy minor version");
  if (header_size > kMaxNpyHeaderBytes) throw_input(file + ": .npy header too large");
  if (header_start + header_size > size) throw_input(file + ": truncated .npy header");
  std::string text(header_size, '\0');
  source.read(header_start, text.data(), header_size);
  NpyHeader h = HeaderParser(text, file).parse();
  if (h.descr != "<f4")
    throw_input(file + ": dtype '" + h.descr + "' is not little-endian float32 ('<f4')");
  if (h.fortran_order) throw_input(file + ": Fortran-ordered arrays are not supported");
  if (h.shape.empty()) throw_input(file + ": 0-dimensional arrays are not supported");

  std::size_t count = 0;
  try {
    count = Tensor::checked_element_count(h.shape);
  } catch (const Error& e) {
    throw_input(file + ": " + e.what());
  }
  const std::uint64_t data_start = header_start + header_size;
  const std::uint64_t expected = data_start + std::uint64_t(count) * sizeof(float);
  if (size != expected)
    throw_input(file + ": file has " + std::to_string(size) + " bytes, the header's shape needs " +
                std::to_string(expected));
  Tensor t(h.shape);
  source.read(data_start, t.data(), count * sizeof(float));
  return t;
}

void write_npy(const std::string& path, ConstBatch tensor) {
  std::string shape;
  for (std::int64_t d : tensor.shape) shape += std::to_string(d) + ", ";
  if (tensor.shape.size() > 1) shape.resize(shape.size() - 2);
  else if (!tensor.shape.empty()) shape.resize(shape.size() - 1);  // "(5,)"
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }";
  std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string prefix(kMagic, kMagicSize);
  prefix += '\x01';
  prefix += '\x00';
  prefix += char(header.size() & 0xFF);
  prefix += char(header.size() >> 8);

  AtomicFile out(path);
  out.write(prefix.data(), prefix.size());
  out.write(header.data(), header.size());
  out.write(tensor.data, tensor.size() * sizeof(float));
  out.commit();
}

}  // namespace ffnet::weights
