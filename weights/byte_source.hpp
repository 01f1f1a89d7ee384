#pragma once
// Random-access bytes from a file or from memory, with every read bounds-checked. Readers
// of untrusted formats (safetensors, .npy) go through this so they can be fuzzed in memory.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace ffnet::weights {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual std::uint64_t size() const = 0;
  // Copies [offset, offset + count) into dst; throws ffnet::Error(input) naming the source
  // if that range is not inside it.
  virtual void read(std::uint64_t offset, void* dst, std::size_t count) const = 0;
  // The file name (or a label for in-memory data) used in every error message.
  virtual const std::string& name() const = 0;
};

// A regular file, opened for the lifetime of the object (only while loading).
std::unique_ptr<ByteSource> open_file(const std::string& path);

// Bytes owned by the caller, which must outlive the source.
std::unique_ptr<ByteSource> memory_source(std::string_view bytes, std::string label);

}  // namespace ffnet::weights
