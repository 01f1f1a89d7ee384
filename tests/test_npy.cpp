#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "ffnet/core/error.hpp"
#include "weights/npy.hpp"

using ffnet::weights::memory_source;
using ffnet::weights::read_npy;

namespace {

std::string npy(const std::string& dict, std::size_t data_bytes, int major = 1) {
  std::string header = dict;
  std::size_t prefix = major == 1 ? 10 : 12;
  header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += char(major);
  out += '\0';
  std::uint32_t n = std::uint32_t(header.size());
  out.append(reinterpret_cast<char*>(&n), major == 1 ? 2 : 4);
  return out + header + std::string(data_bytes, '\0');
}

std::string error_of(const std::string& bytes) {
  try {
    read_npy(*memory_source(bytes, "x.npy"));
    return "";
  } catch (const ffnet::Error& e) {
    return e.what();
  }
}

}  // namespace

TEST_CASE("npy: valid headers in versions 1, 2 and 3") {
  for (int major : {1, 2, 3}) {
    auto t = read_npy(*memory_source(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 2, 5), }", 120, major), "x"));
    CHECK(t.shape() == std::vector<std::int64_t>{1, 3, 2, 5});
  }
  auto t = read_npy(*memory_source(npy("{'shape': (7,), 'fortran_order': False, 'descr': '<f4'}", 28), "x"));
  CHECK(t.shape() == std::vector<std::int64_t>{7});
}

TEST_CASE("npy: malformed files are refused with the file name and the problem") {
  const std::string ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  struct Case {
    std::string rule;
    std::string bytes;
    const char* expect;
  };
  std::string bad_magic = npy(ok, 24);
  bad_magic[1] = 'X';
  std::string bad_version = npy(ok, 24);
  bad_version[6] = 4;
  std::vector<Case> cases = {
      {"magic", bad_magic, "bad magic"},
      {"version", bad_version, "unsupported .npy version"},
      {"dtype", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 48), "'<f8' is not"},
      {"big endian", npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", 24), "is not little-endian"},
      {"fortran", npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24), "Fortran"},
      {"size short", npy(ok, 20), "shape needs"},
      {"size long", npy(ok, 28), "shape needs"},
      {"missing key", npy("{'descr': '<f4', 'shape': (2, 3), }", 24), "must give"},
      {"repeated key", npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", 8), "repeated"},
      {"negative dim", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }", 24), "non-negative"},
      {"huge shape", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }", 0), "too large"},
      {"scalar", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 4), "0-dimensional"},
      {"trailing text", npy(ok + " x", 24), "after the header"},
      {"garbage", "not a numpy file at all", "bad magic"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.rule);
    std::string message = error_of(c.bytes);
    CHECK(message.find("x.npy") == 0);
    CHECK_MESSAGE(message.find(c.expect) != std::string::npos, message);
  }
  std::string valid = npy(ok, 24);
  for (std::size_t n = 0; n < valid.size(); ++n) CHECK(!error_of(valid.substr(0, n)).empty());
}

TEST_CASE("npy: write then read round-trips, atomically") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "ffnet_npy_test";
  fs::create_directories(dir);
  ffnet::Tensor t({1, 19, 3, 5});
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = float(i) - 7.25f;
  const std::string path = (dir / "y.npy").string();
  ffnet::weights::write_npy(path, t);
  CHECK(fs::file_size(path) % 64 == (t.size() * 4) % 64);  // header padded to 64 bytes
  auto back = read_npy(path);
  CHECK(back.shape() == t.shape());
  CHECK(std::memcmp(back.data(), t.data(), t.size() * 4) == 0);
  ffnet::Tensor v({4});
  ffnet::weights::write_npy(path, v);
  CHECK(read_npy(path).shape() == std::vector<std::int64_t>{4});
  CHECK_THROWS_AS(read_npy((dir / "missing.npy").string()), ffnet::Error);
  CHECK_THROWS_AS(read_npy(dir.string()), ffnet::Error);  // a directory
  fs::remove_all(dir);
}
