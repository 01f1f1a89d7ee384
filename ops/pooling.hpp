#pragma once
// Max pooling (the 3x3/2 pad 1 of stem A) and global average pooling.
#include "ffnet/core/tensor.hpp"
#include "ops/band.hpp"

namespace ffnet::ops {

struct MaxPoolShape {
  int kernel = 3;
  int stride = 2;
  int pad = 1;  // padding never wins the max (it is -infinity, as in PyTorch)
};

Dims max_pool_output_dims(const MaxPoolShape& shape, Dims in);
void max_pool(const MaxPoolShape& shape, ConstView in, View out, int threads);
// Output rows `rows` only (stored in `out`), from `in`, which must hold every input row
// they read.
void max_pool_band(const MaxPoolShape& shape, ConstBand in, Band out, RowRange rows,
                   int threads);

// out[c] = mean over the H x W plane of channel c. `out` has in.dims.c floats.
void global_average_pool(ConstView in, float* out, int threads);

}  // namespace ffnet::ops
