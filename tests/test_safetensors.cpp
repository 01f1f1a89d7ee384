#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "ffnet/core/error.hpp"
#include "weights/safetensors.hpp"

using ffnet::weights::memory_source;
using ffnet::weights::SafetensorsFile;

namespace {

std::string with_length(const std::string& header, const std::string& data) {
  std::uint64_t n = header.size();
  std::string out(reinterpret_cast<const char*>(&n), 8);
  return out + header + data;
}

std::string floats(std::initializer_list<float> values) {
  std::string s(values.size() * 4, '\0');
  std::memcpy(s.data(), values.begin(), s.size());
  return s;
}

// Parses bytes as a safetensors file; returns the error message, or "" if it was accepted.
std::string error_of(const std::string& bytes) {
  try {
    SafetensorsFile file(memory_source(bytes, "t.safetensors"));
    return "";
  } catch (const ffnet::Error& e) {
    CHECK(e.kind() == ffnet::ErrorKind::input);
    return e.what();
  }
}

const std::string kData = floats({1, 2, 3, 4, 5, 6});
const std::string kGood =
    R"({"__metadata__":{"model":"m"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
    R"("b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}})";

}  // namespace

TEST_CASE("safetensors: a valid file reads back") {
  std::string bytes = with_length("  " + kGood + "   ", kData);  // spaces around the header are allowed
  SafetensorsFile file(memory_source(bytes, "t.safetensors"));
  CHECK(file.metadata().at("model") == "m");
  REQUIRE(file.tensors().size() == 2);
  auto a = file.read_f32(*file.find("a"));
  CHECK(a.shape() == std::vector<std::int64_t>{2, 2});
  CHECK(a.data()[3] == 4.0f);
  CHECK(file.read_f32(*file.find("b")).data()[1] == 6.0f);
  CHECK(file.find("c") == nullptr);
}

TEST_CASE("safetensors: float16, bfloat16 and float64 are widened or narrowed to float32") {
  // 1.5 in each format; half subnormal 2^-24; bf16 of -2.0.
  std::string data;
  for (std::uint16_t h : {std::uint16_t(0x3E00), std::uint16_t(0x0001)}) data.append(reinterpret_cast<char*>(&h), 2);
  for (std::uint16_t h : {std::uint16_t(0x3FC0), std::uint16_t(0xC000)}) data.append(reinterpret_cast<char*>(&h), 2);
  double d = 1.5;
  data.append(reinterpret_cast<char*>(&d), 8);
  std::string header = R"({"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},)"
                       R"("b":{"dtype":"BF16","shape":[2],"data_offsets":[4,8]},)"
                       R"("d":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}})";
  std::string bytes = with_length(header, data);
  SafetensorsFile file(memory_source(bytes, "t"));
  auto h = file.read_f32(*file.find("h"));
  CHECK(h.data()[0] == 1.5f);
  CHECK(h.data()[1] == std::ldexp(1.0f, -24));
  auto b = file.read_f32(*file.find("b"));
  CHECK(b.data()[0] == 1.5f);
  CHECK(b.data()[1] == -2.0f);
  CHECK(file.read_f32(*file.find("d")).data()[0] == 1.5f);
}

TEST_CASE("safetensors: misaligned data is read correctly") {
  std::string header = R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}} )";  // 8+55: not 4-aligned
  std::string bytes = with_length(header, floats({7, 8, 9}));
  SafetensorsFile file(memory_source(bytes, "t"));
  CHECK(file.read_f32(*file.find("a")).data()[2] == 9.0f);
}

TEST_CASE("safetensors: every rule broken once is an error naming the file, the tensor and the rule") {
  struct Case {
    std::string rule;
    std::string bytes;
    const char* expect;
  };
  auto tensor = [](const std::string& body) { return with_length("{\"a\":" + body + "}", floats({1, 2})); };
  std::uint64_t huge = (100u << 20) + 1;
  std::string huge_header(reinterpret_cast<const char*>(&huge), 8);
  std::vector<Case> cases = {
      {"too short", "abc", "too short"},
      {"header > 100 MB", huge_header + "{}", "exceeds the 100 MB limit"},
      {"header past end", with_length(kGood, kData).substr(0, 50), "runs past the end"},
      {"not JSON", with_length("{\"a\":", ""), "header: JSON"},
      {"duplicate names", with_length(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                      R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", floats({1, 2})),
       "duplicate key"},
      {"unknown dtype", tensor(R"({"dtype":"F8","shape":[2],"data_offsets":[0,8]})"), "tensor 'a': unknown dtype 'F8'"},
      {"negative dim", tensor(R"({"dtype":"F32","shape":[-2],"data_offsets":[0,8]})"), "non-negative integers"},
      {"fractional dim", tensor(R"({"dtype":"F32","shape":[2.0],"data_offsets":[0,8]})"), "non-negative integers"},
      {"overflowing shape", tensor(R"({"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,8]})"),
       "overflows"},
      {"size mismatch", tensor(R"({"dtype":"F32","shape":[3],"data_offsets":[0,8]})"), "byte size 8 != 3 elements"},
      {"offsets reversed", tensor(R"({"dtype":"F32","shape":[0],"data_offsets":[8,0]})"), "begin after they end"},
      {"offsets beyond data", tensor(R"({"dtype":"F32","shape":[4],"data_offsets":[0,16]})"), "beyond the data section"},
      {"missing offsets", tensor(R"({"dtype":"F32","shape":[2]})"), "data_offsets"},
      {"unknown field", tensor(R"({"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1})"), "unknown field 'x'"},
      {"gap", tensor(R"({"dtype":"F32","shape":[1],"data_offsets":[4,8]})"), "gap of 4 unused bytes"},
      {"overlap", with_length(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                              R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", floats({1, 2})),
       "overlaps"},
      {"trailing bytes", with_length(kGood, kData + "junk"), "4 trailing bytes"},
      {"metadata not strings", with_length(R"({"__metadata__":{"x":1}})", ""), "is not a string"},
      {"header not object", with_length("[]", ""), "not a JSON object"},
      {"deep nesting", with_length(std::string(20, '[') + std::string(20, ']'), ""), "nesting"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.rule);
    std::string message = error_of(c.bytes);
    CHECK(message.find("t.safetensors") == 0);
    CHECK_MESSAGE(message.find(c.expect) != std::string::npos, message);
  }
}

TEST_CASE("safetensors: every truncation of a valid file is refused") {
  std::string bytes = with_length(kGood, kData);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    CAPTURE(n);
    CHECK(!error_of(bytes.substr(0, n)).empty());
  }
}

TEST_CASE("safetensors: integer tensors are refused where floats are needed") {
  std::string bytes = with_length(R"({"n":{"dtype":"I64","shape":[],"data_offsets":[0,8]}})", std::string(8, '\0'));
  SafetensorsFile file(memory_source(bytes, "t"));
  CHECK_THROWS_WITH_AS(file.read_f32(*file.find("n")), doctest::Contains("dtype I64"), ffnet::Error);
}

TEST_CASE("safetensors: written files read back, and writing is atomic") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "ffnet_safetensors_test";
  fs::create_directories(dir);
  ffnet::Tensor a({2, 3});
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = float(i) * 0.5f;
  ffnet::Tensor b({5});
  const std::string path = (dir / "w.safetensors").string();
  ffnet::weights::write_safetensors(path, {{"a\"quoted", &a}, {"b", &b}}, {{"model", "x"}});
  auto file = SafetensorsFile::open(path);
  CHECK(file.metadata().at("model") == "x");
  CHECK(file.read_f32(*file.find("a\"quoted")).data()[5] == 2.5f);
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) files += entry.is_regular_file();
  CHECK(files == 1);  // no temporary left behind
  fs::remove_all(dir);
}

TEST_CASE("safetensors: tensors of every element type are written and read back as stored") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "ffnet_safetensors_types_test";
  fs::create_directories(dir);
  ffnet::Tensor s8({2, 3}, ffnet::DType::i8), u8({4}, ffnet::DType::u8), s32({3}, ffnet::DType::i32);
  for (std::size_t i = 0; i < s8.size(); ++i) s8.data_as<std::int8_t>()[i] = std::int8_t(int(i) * 50 - 128);
  for (std::size_t i = 0; i < u8.size(); ++i) u8.data_as<std::uint8_t>()[i] = std::uint8_t(250 + i);
  for (std::size_t i = 0; i < s32.size(); ++i) s32.data_as<std::int32_t>()[i] = -70000 * int(i);
  const std::string path = (dir / "q.safetensors").string();
  ffnet::weights::write_safetensors(path, {{"s8", &s8}, {"u8", &u8}, {"s32", &s32}}, {});
  const auto file = SafetensorsFile::open(path);
  for (const ffnet::Tensor* t : {&s8, &u8, &s32}) {
    const std::string name = t == &s8 ? "s8" : t == &u8 ? "u8" : "s32";
    CAPTURE(name);
    const ffnet::Tensor back = file.read(*file.find(name));
    CHECK(back.dtype() == t->dtype());
    CHECK(back.shape() == t->shape());
    CHECK(std::memcmp(back.raw(), t->raw(), t->bytes()) == 0);
  }
  CHECK_THROWS_WITH_AS(file.read_f32(*file.find("s8")), doctest::Contains("dtype I8"), ffnet::Error);
  fs::remove_all(dir);
}

TEST_CASE("tensors: typed access is checked; views convert and check their type") {
  ffnet::Tensor q({1, 2, 3, 4}, ffnet::DType::u8);
  CHECK(q.bytes() == 24);
  CHECK_THROWS_AS((void)q.data(), ffnet::Error);  // not float32
  CHECK_THROWS_AS((void)q.data_as<std::int8_t>(), ffnet::Error);
  ffnet::Tensor f({2, 3, 4, 5});
  CHECK_THROWS_AS((void)f.image(2), ffnet::Error);  // a batch of two
  CHECK_THROWS_AS((void)f.image(-1), ffnet::Error);
  const ffnet::AnyView any = f.image(1);
  CHECK(any.dtype == ffnet::DType::f32);
  CHECK(any.as<const float>().data == f.image(1).data);
  CHECK_THROWS_AS((void)any.as<std::uint8_t>(), ffnet::Error);
}
