// Portable B packing (see PackRun in gemm_kernel.hpp).
#include "ops/gemm/pack_run.hpp"

namespace ffnet::ops::gemm {
namespace {

struct ScalarRows {
  static void copy(float* dst, const float* src, int count, int stride) {
    if (stride == 1) {
      for (int t = 0; t < count; ++t) dst[t] = src[t];
    } else {
      for (int t = 0; t < count; ++t) dst[t] = src[t * stride];
    }
  }
  static void zero(float* dst, int count) {
    for (int t = 0; t < count; ++t) dst[t] = 0.0f;
  }
};

}  // namespace

void f32_pack_run__scalar(const PackRun& run) { pack_run_with<ScalarRows>(run); }

}  // namespace ffnet::ops::gemm
