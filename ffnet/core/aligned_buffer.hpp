#pragma once
// Heap memory aligned to 64 bytes (one cache line, one AVX-512 vector): raw bytes
// (AlignedBuffer), or a typed array on top of them (AlignedArray<T>).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "ffnet/core/error.hpp"
#include "ffnet/core/memory_limit.hpp"

namespace ffnet {

inline constexpr std::size_t kAlignment = 64;

// Largest single allocation we attempt; anything above is reported instead of tried.
inline constexpr std::size_t kMaxAllocationBytes = std::size_t{1} << 38;  // 256 GiB

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(std::size_t bytes) { resize(bytes); }

  // Discards the contents. New memory is zero-filled.
  void resize(std::size_t bytes) {
    if (bytes == size_) return;
    if (bytes > kMaxAllocationBytes) throw_input("allocation of " + std::to_string(bytes) + " bytes exceeds the limit");
    // More than the machine has cannot succeed: refuse it before the out-of-memory killer does.
    if (physical_memory_bytes() != 0)
      check_memory_limit(bytes, physical_memory_bytes(), "a buffer of " + std::to_string(bytes) + " bytes",
                         "this machine's physical memory");
    data_.reset();
    size_ = 0;
    if (bytes == 0) return;
    const std::size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
    void* p = std::aligned_alloc(kAlignment, rounded);
    if (p == nullptr) throw_input("out of memory allocating " + std::to_string(rounded >> 20) + " MiB");
    std::memset(p, 0, rounded);
    data_.reset(static_cast<std::byte*>(p));
    size_ = bytes;
  }

  std::byte* data() { return data_.get(); }
  const std::byte* data() const { return data_.get(); }
  std::size_t size() const { return size_; }  // bytes

 private:
  struct Free {
    void operator()(std::byte* p) const { std::free(p); }
  };
  std::unique_ptr<std::byte[], Free> data_;
  std::size_t size_ = 0;
};

// `count` elements of a trivial type T in an AlignedBuffer (zero-filled on resize).
template <class T>
class AlignedArray {
 public:
  AlignedArray() = default;
  explicit AlignedArray(std::size_t count) { resize(count); }

  void resize(std::size_t count) {
    if (count > kMaxAllocationBytes / sizeof(T))
      throw_input("allocation of " + std::to_string(count) + " elements exceeds the limit");
    buffer_.resize(count * sizeof(T));
  }
  T* data() { return reinterpret_cast<T*>(buffer_.data()); }
  const T* data() const { return reinterpret_cast<const T*>(buffer_.data()); }
  std::size_t size() const { return buffer_.size() / sizeof(T); }

 private:
  AlignedBuffer buffer_;
};

}  // namespace ffnet
