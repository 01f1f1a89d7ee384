// Resize with tables of source indices and weights computed once per call. Bilinear is separable:
// each source row is interpolated horizontally once into a small per-thread cache (consecutive
// output rows share source rows when upsampling), then pairs of cached rows are blended.
#include "ops/resize.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "ops/checks.hpp"
#include "ops/resize_blend.hpp"

namespace ffnet::ops {
namespace {

// Source indices and weights of align_corners=True linear interpolation along one axis, with
// PyTorch 1.13's precision: the ratio (in-1)/(out-1) in float, ratio * dst in double, lambdas
// rounded to float; equal sizes copy.
struct LinearTable {
  std::vector<int> i0, i1;
  std::vector<float> l0, l1;
};

LinearTable linear_table(int in, int out) {
  LinearTable t;
  t.i0.resize(std::size_t(out));
  t.i1.resize(std::size_t(out));
  t.l0.resize(std::size_t(out));
  t.l1.resize(std::size_t(out));
  const float ratio = out > 1 ? float(in - 1) / float(out - 1) : 0.0f;
  for (int d = 0; d < out; ++d) {
    const auto k = std::size_t(d);
    if (in == out) {
      t.i0[k] = t.i1[k] = d;
      t.l0[k] = 1.0f;
      t.l1[k] = 0.0f;
      continue;
    }
    const double src = double(ratio) * double(d);
    const auto first = std::int64_t(src);
    t.i0[k] = int(first);
    t.i1[k] = int(first < in - 1 ? first + 1 : first);
    t.l1[k] = float(src - double(first));
    t.l0[k] = 1.0f - t.l1[k];
  }
  return t;
}

// PyTorch "nearest": min(floor(dst * (in/out)), in-1), all in float.
std::vector<int> nearest_table(int in, int out) {
  std::vector<int> t(static_cast<std::size_t>(out));
  const float scale = float(in) / float(out);
  for (int d = 0; d < out; ++d)
    t[std::size_t(d)] = std::min(int(std::floor(float(d) * scale)), in - 1);
  return t;
}

// Two horizontally interpolated source rows, identified by channel * in_h + row.
class RowCache {
 public:
  explicit RowCache(int width) {
    for (auto& row : rows_) row.resize(std::size_t(width));
  }
  // Row `key`, filled by fill(dst) if not held; the slot holding `keep` is never reused.
  template <class Fill>
  const float* get(std::int64_t key, std::int64_t keep, Fill fill) {
    for (int s = 0; s < 2; ++s)
      if (keys_[s] == key) return rows_[s].data();
    const int slot = keys_[0] == keep ? 1 : 0;
    fill(rows_[slot].data());
    keys_[slot] = key;
    return rows_[slot].data();
  }

 private:
  std::vector<float> rows_[2];
  std::int64_t keys_[2] = {-1, -1};
};

void resize_bilinear(ConstView in, View out, ConstView add, int threads) {
  const LinearTable ty = linear_table(in.dims.h, out.dims.h);
  const LinearTable tx = linear_table(in.dims.w, out.dims.w);
  const int rows = out.dims.c * out.dims.h;
  const int out_w = out.dims.w;
#pragma omp parallel num_threads(threads)
  {
    RowCache cache(out_w);
#pragma omp for schedule(static)
    for (int r = 0; r < rows; ++r) {
      const int c = r / out.dims.h;
      const auto y = std::size_t(r % out.dims.h);
      auto horizontal = [&](int source_row) {
        return [&, source_row](float* dst) {
          const float* src = in.row(c, source_row);
          for (int x = 0; x < out_w; ++x) {
            const auto k = std::size_t(x);
            dst[x] = blend(src[tx.i0[k]], tx.l0[k], src[tx.i1[k]], tx.l1[k]);
          }
        };
      };
      const std::int64_t key0 = std::int64_t(c) * in.dims.h + ty.i0[y];
      const std::int64_t key1 = std::int64_t(c) * in.dims.h + ty.i1[y];
      const float* top = cache.get(key0, key1, horizontal(ty.i0[y]));
      const float* bottom = cache.get(key1, key0, horizontal(ty.i1[y]));
      blend_rows(top, bottom, ty.l0[y], ty.l1[y], add.data ? add.row(c, int(y)) : nullptr,
                 out.row(c, int(y)), out_w);
    }
  }
}

void resize_nearest(ConstView in, View out, ConstView add, int threads) {
  const std::vector<int> ty = nearest_table(in.dims.h, out.dims.h);
  const std::vector<int> tx = nearest_table(in.dims.w, out.dims.w);
  const int rows = out.dims.c * out.dims.h;
  const int out_w = out.dims.w;
#pragma omp parallel num_threads(threads)
  {
    int previous = -1;  // the last row this thread wrote
#pragma omp for schedule(static)
    for (int r = 0; r < rows; ++r) {
      const int c = r / out.dims.h;
      const int y = r % out.dims.h;
      const int sy = ty[std::size_t(y)];
      float* dst = out.row(c, y);
      if (add.data) {
        const float* src = in.row(c, sy);
        const float* extra = add.row(c, y);
        for (int x = 0; x < out_w; ++x) dst[x] = src[tx[std::size_t(x)]] + extra[x];
      } else if (previous == r - 1 && y > 0 && ty[std::size_t(y - 1)] == sy) {
        std::memcpy(dst, out.row(c, y - 1), std::size_t(out_w) * sizeof(float));
      } else {
        const float* src = in.row(c, sy);
        for (int x = 0; x < out_w; ++x) dst[x] = src[tx[std::size_t(x)]];
      }
      previous = r;
    }
  }
}

}  // namespace

void resize(ResizeMode mode, ConstView in, View out, ConstView add, int threads) {
  detail::check_threads("resize", threads);
  detail::check_not_empty("resize", in.dims);
  detail::check_not_empty("resize", out.dims);
  if (in.dims.c != out.dims.c) throw_internal("resize: channels " + in.dims.str() + " -> " + out.dims.str());
  if (add.data) detail::check_same_dims("resize", "add", add.dims, out.dims);
  if (mode == ResizeMode::nearest)
    resize_nearest(in, out, add, threads);
  else
    resize_bilinear(in, out, add, threads);
}

}  // namespace ffnet::ops
