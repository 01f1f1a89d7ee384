#pragma once
// NumPy .npy files of little-endian float32 in C order: the tensor exchange format of the
// command line and the tests. Reading validates the magic, version, header, dtype, order,
// shape and the exact file size.
#include <string>

#include "ffnet/core/tensor.hpp"
#include "weights/byte_source.hpp"

namespace ffnet::weights {

inline constexpr std::size_t kMaxNpyHeaderBytes = 1u << 20;

Tensor read_npy(const ByteSource& source);
inline Tensor read_npy(const std::string& path) { return read_npy(*open_file(path)); }

// Version 1.0, '<f4', C order, header padded to a multiple of 64 bytes; written atomically.
void write_npy(const std::string& path, ConstBatch values);  // any rank, memory the caller owns
inline void write_npy(const std::string& path, const Tensor& tensor) { write_npy(path, batch_of(tensor)); }

}  // namespace ffnet::weights
