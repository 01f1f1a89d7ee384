// NEON B packing (see PackRun in gemm_kernel.hpp): 4 floats per step for stride 1 (8 when
// there are that many); for stride 2, vld2q_f32 de-interleaves 8 floats and the even ones are
// stored.
#include <arm_neon.h>

#include "ops/gemm/pack_run.hpp"

namespace ffnet::ops::gemm {
namespace {

struct NeonRows {
  static void copy(float* dst, const float* src, int count, int stride) {
    int t = 0;
    if (stride == 1) {
      for (; t + 8 <= count; t += 8) {
        vst1q_f32(dst + t, vld1q_f32(src + t));
        vst1q_f32(dst + t + 4, vld1q_f32(src + t + 4));
      }
      for (; t + 4 <= count; t += 4) vst1q_f32(dst + t, vld1q_f32(src + t));
    } else if (stride == 2) {
      // A step reads src[2t .. 2t + 7]; only copied elements may be read (up to 2 * count - 2).
      for (; 2 * t + 7 <= 2 * count - 2; t += 4) vst1q_f32(dst + t, vld2q_f32(src + 2 * t).val[0]);
    }
    for (; t < count; ++t) dst[t] = src[t * stride];
  }
  static void zero(float* dst, int count) {
    int t = 0;
    for (; t + 4 <= count; t += 4) vst1q_f32(dst + t, vdupq_n_f32(0.0f));
    for (; t < count; ++t) dst[t] = 0.0f;
  }
};

}  // namespace

void f32_pack_run__neon(const PackRun& run) { pack_run_with<NeonRows>(run); }

}  // namespace ffnet::ops::gemm
