#include "ops/gemm/qu8_pack.hpp"

#include <cstring>

namespace ffnet::ops::gemm {

void qu8_pack_weights(const std::int8_t* w, const Qu8WeightLayout& layout, std::int8_t* packed) {
  std::memset(packed, 0, layout.bytes());
  const int nr = layout.nr, groups = layout.groups();
  for (int o = 0; o < layout.out_channels; ++o) {
    std::int8_t* block = packed + std::size_t(o / nr) * layout.block_bytes();
    for (int c = 0; c < layout.in_channels; ++c)
      for (int t = 0; t < layout.taps; ++t)
        block[(std::size_t(t) * std::size_t(groups) + std::size_t(c / 4)) * std::size_t(nr) * 4 +
              std::size_t(o % nr) * 4 + std::size_t(c % 4)] =
            w[(std::size_t(o) * std::size_t(layout.in_channels) + std::size_t(c)) * std::size_t(layout.taps) +
              std::size_t(t)];
  }
}

void qu8_channel_sums(const std::int8_t* w, int out_channels, std::size_t per_channel, std::int32_t* sums) {
  for (int o = 0; o < out_channels; ++o) {
    std::int32_t sum = 0;
    for (std::size_t i = 0; i < per_channel; ++i) sum += w[std::size_t(o) * per_channel + i];
    sums[o] = sum;
  }
}

}  // namespace ffnet::ops::gemm
