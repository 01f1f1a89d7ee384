#pragma once
// A heap array of floats aligned to 64 bytes (one cache line, one AVX-512 vector).
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
  explicit AlignedBuffer(std::size_t count) { resize(count); }

  // Discards the contents. New memory is zero-filled.
  void resize(std::size_t count) {
    if (count == size_) return;
    if (count > kMaxAllocationBytes / sizeof(float))
      throw_input("allocation of " + std::to_string(count) + " floats exceeds the limit");
    // More than the machine has cannot succeed: refuse it before the out-of-memory killer does.
    if (physical_memory_bytes() != 0)
      check_memory_limit(count * sizeof(float), physical_memory_bytes(), "a tensor of " + std::to_string(count) + " floats",
                         "this machine's physical memory");
    data_.reset();
    size_ = 0;
    if (count == 0) return;
    std::size_t bytes = (count * sizeof(float) + kAlignment - 1) / kAlignment * kAlignment;
    void* p = std::aligned_alloc(kAlignment, bytes);
    if (p == nullptr)
      throw_input("out of memory allocating " + std::to_string(bytes >> 20) + " MiB");
    std::memset(p, 0, bytes);
    data_.reset(static_cast<float*>(p));
    size_ = count;
  }

  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  std::size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float[], Free> data_;
  std::size_t size_ = 0;
};

}  // namespace ffnet
