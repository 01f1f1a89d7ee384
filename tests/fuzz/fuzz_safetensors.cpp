// libFuzzer target: the safetensors reader on an in-memory file, then read_f32 of every
// tensor. A file whose header is accepted must be readable: every floating-point tensor
// reads without error, and its element count matches its byte range.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ffnet/core/error.hpp"
#include "weights/safetensors.hpp"

using ffnet::DType;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const ffnet::weights::SafetensorsFile file(ffnet::weights::memory_source(bytes, "fuzz.safetensors"));
    std::uint64_t covered = 0;
    for (const auto& info : file.tensors()) {
      covered += info.end - info.begin;
      if (file.find(info.name) != &info) __builtin_trap();
      const bool is_float = info.dtype == DType::f32 || info.dtype == DType::f16 || info.dtype == DType::bf16 ||
                            info.dtype == DType::f64;
      if (!is_float) continue;
      const ffnet::Tensor t = file.read_f32(info);  // must not throw: the header was accepted
      const std::size_t elements = std::size_t(info.end - info.begin) / ffnet::dtype_size(info.dtype);
      if (t.size() != elements && !(info.shape.empty() && t.size() == 1)) __builtin_trap();
    }
    if (8 + covered > size) __builtin_trap();  // the tensors' byte ranges fit in the file
  } catch (const ffnet::Error& e) {
    if (e.kind() != ffnet::ErrorKind::input) __builtin_trap();
  }
  return 0;
}
