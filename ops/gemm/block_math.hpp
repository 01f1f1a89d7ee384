#pragma once
// Integer arithmetic of blocking, and carving aligned pieces out of a scratch span: shared by the
// GEMM driver, packing and Winograd. Internal linkage: the per-ISA files include this too, and a
// function with external linkage compiled there could be what the linker picks for baseline code
// (see gemm_kernel.hpp).
#include <cstddef>
#include <cstdint>

namespace ffnet::ops::gemm {
namespace {

constexpr int ceil_div(int a, int b) { return (a + b - 1) / b; }
constexpr int round_up(int value, int multiple) { return ceil_div(value, multiple) * multiple; }

// The depth of the blocks `k` is cut into when no block may be deeper than `max_depth`: as many
// blocks as that needs, of (nearly) equal depth, so that none is a short remainder (576 with a
// maximum of 256: 288 + 288, not 256 + 256 + 64).
constexpr int even_block_depth(int k, int max_depth) { return ceil_div(k, ceil_div(k, max_depth)); }

// Floats of slack per scratch piece, so that each can start on a 64-byte boundary.
constexpr std::size_t kAlignmentSlack = 64 / sizeof(float);

// `p` moved up to the next 64-byte boundary (at most kAlignmentSlack floats).
inline float* align64(float* p) {
  const auto address = reinterpret_cast<std::uintptr_t>(p);
  return p + ((64 - address % 64) % 64) / sizeof(float);
}

}  // namespace
}  // namespace ffnet::ops::gemm
