// Add, channel concatenation and the fully connected layer (a memory-bound GEMV).
#include "ops/elementwise.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "ops/checks.hpp"
#include "ops/linear_dot.hpp"

namespace ffnet::ops {

void add(ConstView a, ConstView b, View out, int threads) {
  detail::check_threads("add", threads);
  detail::check_same_dims("add", "second operand", b.dims, a.dims);
  detail::check_same_dims("add", "output", out.dims, a.dims);
  constexpr std::size_t block = 16384;
  const std::size_t n = a.dims.size();
  const auto blocks = std::int64_t((n + block - 1) / block);
#pragma omp parallel for schedule(static) num_threads(threads)
  for (std::int64_t k = 0; k < blocks; ++k) {
    const std::size_t begin = std::size_t(k) * block, end = std::min(n, begin + block);
    const float* pa = a.data;
    const float* pb = b.data;
    float* po = out.data;
    for (std::size_t i = begin; i < end; ++i) po[i] = pa[i] + pb[i];
  }
}

void concat_channels(std::span<const ConstView> inputs, View out, int threads) {
  detail::check_threads("concat_channels", threads);
  detail::check_concat(inputs, out.dims);
  std::vector<const float*> sources;  // the input plane of each output channel
  sources.reserve(std::size_t(out.dims.c));
  for (const ConstView& in : inputs)
    for (int c = 0; c < in.dims.c; ++c) sources.push_back(in.channel(c));
  const std::size_t plane_bytes = out.dims.plane() * sizeof(float);
#pragma omp parallel for schedule(static) num_threads(threads)
  for (int c = 0; c < out.dims.c; ++c) std::memcpy(out.channel(c), sources[std::size_t(c)], plane_bytes);
}

void linear(const float* weight, const float* bias, int in_features, int out_features,
            const float* x, float* y, int threads) {
  detail::check_threads("linear", threads);
  if (in_features < 1 || out_features < 1) throw_internal("linear: empty layer");
  constexpr int group = 4;  // rows sharing each load of x
  const int groups = (out_features + group - 1) / group;
#pragma omp parallel for schedule(static) num_threads(threads)
  for (int g = 0; g < groups; ++g) {
    const int first = g * group;
    const float* w = weight + std::size_t(first) * std::size_t(in_features);
    dot_rows(w, std::min(group, out_features - first), in_features, x, y + first);
    if (bias)
      for (int o = first; o < std::min(first + group, out_features); ++o) y[o] += bias[o];
  }
}

}  // namespace ffnet::ops
