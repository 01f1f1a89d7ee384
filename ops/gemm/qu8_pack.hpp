#pragma once
// The qu8 kernels' packed weights (gemm_kernel.hpp), made once at load from OIHW int8 weights:
// output channels in blocks of NR (channels >= out_channels zero); block b at b * block_bytes(),
// holding, for each tap t = ky * kernel_w + kx and each group g of 4 input channels, NR x 4
// bytes: w[o][4g + r][ky][kx] at (t * groups + g) * NR * 4 + (o % NR) * 4 + r (input channels
// >= in_channels zero).
#include <cstddef>
#include <cstdint>

#include "ops/gemm/block_math.hpp"

namespace ffnet::ops::gemm {

struct Qu8WeightLayout {
  int out_channels = 0;
  int in_channels = 0;
  int taps = 1;
  int nr = 0;

  int groups() const { return ceil_div(in_channels, 4); }
  int blocks() const { return ceil_div(out_channels, nr); }
  std::size_t block_bytes() const { return std::size_t(taps) * std::size_t(groups()) * std::size_t(nr) * 4; }
  std::size_t bytes() const { return std::size_t(blocks()) * block_bytes(); }
};

// w: OIHW, out_channels x in_channels x taps.
void qu8_pack_weights(const std::int8_t* w, const Qu8WeightLayout& layout, std::int8_t* packed);
// sums[o] = sum of output channel o's weights, for the zero-point correction.
void qu8_channel_sums(const std::int8_t* w, int out_channels, std::size_t per_channel, std::int32_t* sums);

}  // namespace ffnet::ops::gemm
