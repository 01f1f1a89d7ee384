#include "weights/safetensors.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "ffnet/core/atomic_file.hpp"
#include "ffnet/core/error.hpp"
#include "weights/json.hpp"

namespace ffnet::weights {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

// Every element type the format names, for parsing the header's "dtype" strings.
constexpr DType kDTypes[] = {DType::f64, DType::f32, DType::f16, DType::bf16, DType::i64,
                             DType::i32, DType::i16, DType::i8,  DType::u8,   DType::boolean};

float half_to_float(std::uint16_t h) {
  std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
  std::uint32_t exponent = (h >> 10) & 0x1Fu;
  std::uint32_t mantissa = h & 0x3FFu;
  std::uint32_t bits;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000u | (mantissa << 13);  // inf / nan
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {  // subnormal half: normalise
    int shift = std::countl_zero(std::uint16_t(mantissa)) - 5;
    mantissa = (mantissa << shift) & 0x3FFu;
    bits = sign | (std::uint32_t(113 - shift) << 23) | (mantissa << 13);
  }
  return std::bit_cast<float>(bits);
}

class HeaderParser {
 public:
  HeaderParser(const std::string& file) : file_(file) {}

  [[noreturn]] void fail(const std::string& tensor, const std::string& rule) const {
    throw_input(file_ + ": " + (tensor.empty() ? "" : "tensor '" + tensor + "': ") + rule);
  }

  TensorInfo tensor(const std::string& name, const json::Value& v, std::uint64_t data_size) const {
    if (name.empty()) fail(name, "empty tensor name");
    if (!v.is_object()) fail(name, "entry is not an object");
    for (const auto& key : v.keys())
      if (key != "dtype" && key != "shape" && key != "data_offsets")
        fail(name, "unknown field '" + key + "'");
    const json::Value* dtype = v.find("dtype");
    const json::Value* shape = v.find("shape");
    const json::Value* offsets = v.find("data_offsets");
    if (!dtype || !dtype->is_string()) fail(name, "missing or non-string dtype");
    if (!shape || !shape->is_array()) fail(name, "missing or non-array shape");
    if (!offsets || !offsets->is_array() || offsets->as_array().size() != 2)
      fail(name, "data_offsets must be [begin, end]");

    TensorInfo info;
    info.name = name;
    const DType* found = nullptr;
    for (const DType& d : kDTypes)
      if (dtype->as_string() == dtype_name(d)) found = &d;
    if (!found) fail(name, "unknown dtype '" + dtype->as_string() + "'");
    info.dtype = *found;
    const std::size_t element_bytes = dtype_size(info.dtype);

    std::uint64_t elements = 1;
    for (const auto& d : shape->as_array()) {
      if (!d.is_integer() || d.as_int() < 0) fail(name, "shape entries must be non-negative integers");
      std::uint64_t n = std::uint64_t(d.as_int());
      if (n != 0 && elements > UINT64_MAX / n) fail(name, "element count overflows");
      elements *= n;
      info.shape.push_back(d.as_int());
    }
    if (info.shape.size() > 8) fail(name, "more than 8 dimensions");
    for (const auto& o : offsets->as_array())
      if (!o.is_integer() || o.as_int() < 0) fail(name, "data_offsets must be non-negative integers");
    info.begin = std::uint64_t(offsets->as_array()[0].as_int());
    info.end = std::uint64_t(offsets->as_array()[1].as_int());
    if (info.begin > info.end) fail(name, "data_offsets begin after they end");
    if (info.end > data_size)
      fail(name, "data_offsets end at " + std::to_string(info.end) +
                     " beyond the data section of " + std::to_string(data_size) + " bytes");
    if (elements > UINT64_MAX / element_bytes) fail(name, "byte size overflows");
    if (info.end - info.begin != elements * element_bytes)
      fail(name, "byte size " + std::to_string(info.end - info.begin) + " != " +
                     std::to_string(elements) + " elements x " + std::to_string(element_bytes) +
                     " bytes");
    return info;
  }

 private:
  const std::string& file_;
};

}  // namespace

SafetensorsFile::SafetensorsFile(std::unique_ptr<ByteSource> source) : source_(std::move(source)) {
  const std::string& file = source_->name();
  HeaderParser parser(file);
  const std::uint64_t file_size = source_->size();
  if (file_size < 8) parser.fail("", "too short for a safetensors header length (" +
                                         std::to_string(file_size) + " bytes)");
  std::uint64_t header_size = 0;
  source_->read(0, &header_size, 8);
  if (header_size > kMaxSafetensorsHeaderBytes)
    parser.fail("", "header length " + std::to_string(header_size) + " exceeds the 100 MB limit");
  if (header_size > file_size - 8)
    parser.fail("", "header length " + std::to_string(header_size) + " runs past the end of the file");
  std::string text(header_size, '\0');
  source_->read(8, text.data(), header_size);
  data_start_ = 8 + header_size;
  const std::uint64_t data_size = file_size - data_start_;

  json::Value header;
  try {
    header = json::parse(text, {.max_depth = 8});
  } catch (const Error& e) {
    parser.fail("", std::string("header: ") + e.what());
  }
  if (!header.is_object()) parser.fail("", "header is not a JSON object");

  for (std::size_t i = 0; i < header.keys().size(); ++i) {
    const std::string& key = header.keys()[i];
    const json::Value& value = header.values()[i];
    if (key == "__metadata__") {
      if (!value.is_object()) parser.fail("", "__metadata__ is not an object");
      for (std::size_t j = 0; j < value.keys().size(); ++j) {
        if (!value.values()[j].is_string())
          parser.fail("", "__metadata__ value for '" + value.keys()[j] + "' is not a string");
        metadata_[value.keys()[j]] = value.values()[j].as_string();
      }
      continue;
    }
    index_[key] = tensors_.size();  // names are unique: the JSON parser refuses duplicates
    tensors_.push_back(parser.tensor(key, value, data_size));
  }

  // The tensors' byte ranges must tile the data section exactly: sorted by offset, each one
  // starts where the previous ended, and the last ends at the end of the file.
  std::vector<const TensorInfo*> by_offset;
  for (const auto& t : tensors_) by_offset.push_back(&t);
  std::stable_sort(by_offset.begin(), by_offset.end(), [](const TensorInfo* a, const TensorInfo* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  std::uint64_t expected = 0;
  for (const TensorInfo* t : by_offset) {
    if (t->begin < expected) parser.fail(t->name, "data overlaps the previous tensor");
    if (t->begin > expected)
      parser.fail(t->name, "gap of " + std::to_string(t->begin - expected) +
                               " unused bytes before this tensor's data");
    expected = t->end;
  }
  if (expected != data_size)
    parser.fail("", std::to_string(data_size - expected) +
                        " trailing bytes after the last tensor (the data must fill the file exactly)");
}

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

Tensor SafetensorsFile::read_f32(const TensorInfo& info) const {
  std::vector<std::int64_t> shape = info.shape;
  if (shape.empty()) shape = {1};
  Tensor out(shape);
  const std::size_t count = out.size();
  const std::uint64_t offset = data_start_ + info.begin;
  float* dst = out.data();
  auto read_converted = [&]<typename T>(T, auto convert) {
    std::vector<T> raw(count);
    source_->read(offset, raw.data(), count * sizeof(T));
    for (std::size_t i = 0; i < count; ++i) dst[i] = convert(raw[i]);
  };
  switch (info.dtype) {
    case DType::f32:
      source_->read(offset, dst, count * sizeof(float));
      break;
    case DType::f16:
      read_converted(std::uint16_t{}, [](std::uint16_t h) { return half_to_float(h); });
      break;
    case DType::bf16:
      read_converted(std::uint16_t{}, [](std::uint16_t h) {
        return std::bit_cast<float>(std::uint32_t(h) << 16);
      });
      break;
    case DType::f64:
      read_converted(double{}, [](double d) { return float(d); });
      break;
    default:
      throw_input(name() + ": tensor '" + info.name + "': dtype " + dtype_name(info.dtype) +
                  " where a floating-point tensor is required");
  }
  return out;
}

Tensor SafetensorsFile::read(const TensorInfo& info) const {
  std::vector<std::int64_t> shape = info.shape;
  if (shape.empty()) shape = {1};
  Tensor out(shape, info.dtype);
  source_->read(data_start_ + info.begin, out.raw(), out.bytes());
  return out;
}

namespace {

// The length prefix and JSON header of a file holding `tensors` in order.
std::string safetensors_header(const std::vector<NamedTensor>& tensors, const std::map<std::string, std::string>& metadata) {
  auto quote = [](const std::string& s) {
    std::string q = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') q += '\\';
      if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        q += buf;
        continue;
      }
      q += c;
    }
    return q + "\"";
  };
  std::string header = "{";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [k, v] : metadata) {
      if (!first) header += ',';
      header.append(quote(k)).append(":").append(quote(v));
      first = false;
    }
    header += "}";
  }
  std::uint64_t offset = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = *tensors[i].tensor;
    std::string shape;
    for (std::size_t d = 0; d < t.shape().size(); ++d) {
      if (d) shape += ',';
      shape += std::to_string(t.shape()[d]);
    }
    std::uint64_t bytes = t.bytes();
    if (header.size() > 1) header += ',';
    header.append(quote(tensors[i].name))
        .append(":{\"dtype\":\"")
        .append(dtype_name(t.dtype()))
        .append("\",\"shape\":[")
        .append(shape)
        .append("],\"data_offsets\":[")
        .append(std::to_string(offset))
        .append(",")
        .append(std::to_string(offset + bytes))
        .append("]}");
    offset += bytes;
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');  // data starts 8-byte aligned
  std::string prefix(8, '\0');
  const std::uint64_t length = header.size();
  for (int i = 0; i < 8; ++i) prefix[std::size_t(i)] = char(length >> (8 * i));
  return prefix + header;
}

}  // namespace

void write_safetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  AtomicFile out(path);
  const std::string header = safetensors_header(tensors, metadata);
  out.write(header.data(), header.size());
  for (const auto& nt : tensors) out.write(nt.tensor->raw(), nt.tensor->bytes());
  out.commit();
}

std::string safetensors_bytes(const std::vector<NamedTensor>& tensors, const std::map<std::string, std::string>& metadata) {
  std::string bytes = safetensors_header(tensors, metadata);
  for (const auto& nt : tensors) bytes.append(static_cast<const char*>(nt.tensor->raw()), nt.tensor->bytes());
  return bytes;
}

}  // namespace ffnet::weights
