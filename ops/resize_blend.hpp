#pragma once
// The arithmetic of bilinear blending, shared by the resize op's horizontal pass (blend) and its
// row kernels (blend_rows, one file per instruction-set family: resize_blend__<family>.cpp,
// picked by the build for the host's CPU family).

namespace ffnet::ops {

// t0 * w0 + t1 * w1 exactly as PyTorch 1.13's AVX2 CPU kernel evaluates it, where the compiler
// contracted it to fma(t0, w0, t1 * w1) (checked bit for bit against torch). Without FMA
// instructions: t0 * w0 is exact in double, so only the sum is rounded twice (to double, then
// to float). That differs from the fused single rounding only if the double sum lands exactly on
// a float half-way point while the exact sum does not, which needs inputs of very different
// magnitude; the op-level torch tests see no difference.
inline float blend(float t0, float w0, float t1, float w1) {
  const float product1 = t1 * w1;
  return float(double(t0) * double(w0) + double(product1));
}

// dst[x] = blend(top[x], h0, bottom[x], h1) (+ add[x] when add is not null), x < width.
void blend_rows(const float* top, const float* bottom, float h0, float h1, const float* add, float* dst,
                int width);

}  // namespace ffnet::ops
