#pragma once
// Max pooling (the 3x3/2 pad 1 of stem A; runs in bands as the stem's consumer) and global
// average pooling.
#include <memory>

#include "ffnet/core/quant.hpp"
#include "ffnet/core/tensor.hpp"
#include "ops/op.hpp"

namespace ffnet::ops {

struct MaxPoolShape {
  int kernel = 3;
  int stride = 2;
  int pad = 1;  // padding never wins the max (it is -infinity, as in PyTorch)
};

Dims max_pool_output_dims(const MaxPoolShape& shape, Dims in);
// dtype: f32, or u8 (an int8 map, channels-last: the output keeps the input's scale and zero point).
std::unique_ptr<Op> make_max_pool(const MaxPoolShape& shape, const OpConfig& config, DType dtype = DType::f32);

// out[c] = mean over the H x W plane of channel c (output C x 1 x 1, float). For a u8 input
// (channels-last) of `input` scale and zero point, the mean of its real values (qu8_mean).
std::unique_ptr<Op> make_global_average_pool(const OpConfig& config, DType dtype = DType::f32,
                                             QuantParams input = {});

// The mean real value of `count` u8 values of scale and zero point `q` whose integer sum (exact)
// is `sum`: s * (sum - count * z) / count in double, rounded to float.
inline float qu8_mean(std::int64_t sum, std::size_t count, QuantParams q) {
  return float(double(q.scale) * (double(sum) - double(q.zero_point) * double(count)) / double(count));
}

}  // namespace ffnet::ops
