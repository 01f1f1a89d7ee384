#pragma once
// A horizontal band of a feature map: rows [row0, row0 + view.dims.h) of a map `height` rows
// high, stored as a map of its own (the whole map is the band with row0 0). The network runs
// a producer and its only consumer band by band through these, so that the producer's whole
// map never exists.
#include "ffnet/core/tensor.hpp"

namespace ffnet::ops {

template <class V>
struct BasicBand {
  V view;
  int row0 = 0;
  int height = 0;
};
using Band = BasicBand<View>;
using ConstBand = BasicBand<ConstView>;
using AnyBand = BasicBand<AnyView>;  // what the op interface passes

// A band of `band`'s element type T (checked).
template <class T>
BasicBand<BasicView<T>> band_as(const AnyBand& band) {
  return {band.view.as<T>(), band.row0, band.height};
}

// The input rows [first, last) that output rows [out_first, out_last) of a window `kernel`
// rows high, moved by `stride`, with `pad` rows of padding, read from a map `height` high.
struct RowRange {
  int first;
  int last;
};
inline RowRange input_rows(int out_first, int out_last, int kernel, int stride, int pad, int height) {
  const int first = out_first * stride - pad;
  const int last = (out_last - 1) * stride - pad + kernel;
  return {first < 0 ? 0 : first, last > height ? height : last};
}

// How an op that runs band by band reads its input: the window of input rows each output row
// reads, and the output rows bands must start on (Winograd computes whole 4-row tiles).
struct BandWindow {
  int kernel = 1;
  int stride = 1;
  int pad = 0;
  int alignment = 1;
};

// The input rows output rows `rows` read through `window`, the rows rounded out to whole
// aligned blocks first.
inline RowRange band_input_rows(const BandWindow& window, RowRange rows, int in_height) {
  const int a = window.alignment;
  return input_rows(rows.first / a * a, (rows.last + a - 1) / a * a, window.kernel, window.stride, window.pad,
                    in_height);
}

}  // namespace ffnet::ops
