#pragma once
// Max pooling (the 3x3/2 pad 1 of stem A; runs in bands as the stem's consumer) and global
// average pooling.
#include <memory>

#include "ffnet/core/tensor.hpp"
#include "ops/op.hpp"

namespace ffnet::ops {

struct MaxPoolShape {
  int kernel = 3;
  int stride = 2;
  int pad = 1;  // padding never wins the max (it is -infinity, as in PyTorch)
};

Dims max_pool_output_dims(const MaxPoolShape& shape, Dims in);
std::unique_ptr<Op> make_max_pool(const MaxPoolShape& shape, const OpConfig& config);

// out[c] = mean over the H x W plane of channel c (output C x 1 x 1).
std::unique_ptr<Op> make_global_average_pool(const OpConfig& config);

}  // namespace ffnet::ops
