#pragma once
// A horizontal band of a feature map: rows [row0, row0 + view.dims.h) of a map `height` rows
// high, stored as a map of its own (the whole map is the band with row0 0). The network runs
// a producer and its only consumer band by band through these, so that the producer's whole
// map never exists.
#include "ffnet/core/tensor.hpp"

namespace ffnet::ops {

struct ConstBand {
  ConstView view;
  int row0 = 0;
  int height = 0;
};

struct Band {
  View view;
  int row0 = 0;
  int height = 0;
};

// The input rows [first, last) that output rows [out_first, out_last) of a window `kernel`
// rows high, moved by `stride`, with `pad` rows of padding, read from a map `height` high.
struct RowRange {
  int first;
  int last;
};
inline RowRange input_rows(int out_first, int out_last, int kernel, int stride, int pad,
                           int height) {
  const int first = out_first * stride - pad;
  const int last = (out_last - 1) * stride - pad + kernel;
  return {first < 0 ? 0 : first, last > height ? height : last};
}

}  // namespace ffnet::ops
