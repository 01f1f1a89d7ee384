#pragma once
// Reading and writing safetensors files: an 8-byte little-endian header length, a JSON
// header {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}, then the raw data.
// Every rule of the format is checked before any tensor is read.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ffnet/core/dtype.hpp"
#include "ffnet/core/tensor.hpp"
#include "weights/byte_source.hpp"

namespace ffnet::weights {

struct TensorInfo {
  std::string name;
  DType dtype = DType::f32;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0;  // byte offsets within the data section
  std::uint64_t end = 0;
};

inline constexpr std::uint64_t kMaxSafetensorsHeaderBytes = 100u << 20;  // 100 MB

class SafetensorsFile {
 public:
  // Reads and validates the header; the data is read on demand by read_f32().
  explicit SafetensorsFile(std::unique_ptr<ByteSource> source);
  static SafetensorsFile open(const std::string& path) { return SafetensorsFile(open_file(path)); }

  const std::string& name() const { return source_->name(); }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }  // header order
  const TensorInfo* find(const std::string& name) const;

  // The tensor's values as float32 (F16, BF16 and F64 are converted; integer and boolean
  // tensors are refused).
  Tensor read_f32(const TensorInfo& info) const;
  // The tensor as stored: its own element type, a scalar as shape [1].
  Tensor read(const TensorInfo& info) const;

 private:
  std::unique_ptr<ByteSource> source_;
  std::uint64_t data_start_ = 0;
  std::map<std::string, std::string> metadata_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, std::size_t, std::less<>> index_;
};

// Writes tensors (in the given order, each in its own element type) and string metadata,
// atomically.
struct NamedTensor {
  std::string name;
  const Tensor* tensor;
};
void write_safetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                       const std::map<std::string, std::string>& metadata);
// The same file's bytes, in memory (read back with memory_source()).
std::string safetensors_bytes(const std::vector<NamedTensor>& tensors, const std::map<std::string, std::string>& metadata);

}  // namespace ffnet::weights
