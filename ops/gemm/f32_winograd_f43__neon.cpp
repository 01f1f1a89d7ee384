// Winograd F(4x4, 3x3) input and output transforms, compiled for NEON (winograd_transform.hpp),
// with the patch columns split by vld4q_f32.
#include <arm_neon.h>

#include "ops/gemm/winograd_transform.hpp"

namespace ffnet::ops::gemm {
namespace {

// v[s][l] = row[4 * l + s]: vld4q_f32 of row[16g, 16g + 16) de-interleaves columns 0-3 of tiles
// 4g .. 4g + 3; columns 4 and 5 are columns 0 and 1 of the next tile, the same from row + 4.
struct NeonSplit {
  static void split(const float* row, float (*v)[kLanes]) {
    static_assert(kLanes == 16 && kRowFloats >= 68);
    for (int g = 0; g < kLanes / 4; ++g) {
      const float32x4x4_t cols = vld4q_f32(row + 16 * g);
      vst1q_f32(v[0] + 4 * g, cols.val[0]);
      vst1q_f32(v[1] + 4 * g, cols.val[1]);
      vst1q_f32(v[2] + 4 * g, cols.val[2]);
      vst1q_f32(v[3] + 4 * g, cols.val[3]);
      const float32x4x4_t next = vld4q_f32(row + 16 * g + 4);
      vst1q_f32(v[4] + 4 * g, next.val[0]);
      vst1q_f32(v[5] + 4 * g, next.val[1]);
    }
  }
};

}  // namespace

void f32_winograd_f43_input__neon(const WinogradInput& job) { winograd_input_with<NeonSplit>(job); }
void f32_winograd_f43_output__neon(const WinogradOutput& job) { winograd_output_with(job); }

}  // namespace ffnet::ops::gemm
