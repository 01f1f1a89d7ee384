// blend_rows (resize_blend.hpp) in portable C++, for hosts without a SIMD file of their own.
#include "ops/resize_blend.hpp"

namespace ffnet::ops {

void blend_rows(const float* top, const float* bottom, float h0, float h1, const float* add, float* dst,
                int width) {
  for (int x = 0; x < width; ++x) dst[x] = add ? blend(top[x], h0, bottom[x], h1) + add[x] : blend(top[x], h0, bottom[x], h1);
}

}  // namespace ffnet::ops
