// Portable B-packing row copy (see PackRow in gemm_kernel.hpp).
#include "ops/gemm/gemm_kernel.hpp"

namespace ffnet::ops::gemm {

void f32_pack_row__scalar(float* dst, const float* src, int count, int stride) {
  if (stride == 1) {
    for (int t = 0; t < count; ++t) dst[t] = src[t];
  } else {
    for (int t = 0; t < count; ++t) dst[t] = src[t * stride];
  }
}

}  // namespace ffnet::ops::gemm
