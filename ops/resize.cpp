// Resize with tables of source indices and weights made at reshape. Bilinear is separable: each
// source row is interpolated horizontally once into a small per-thread cache (consecutive output
// rows share source rows when upsampling), then pairs of cached rows are blended.
#include "ops/resize.hpp"

#include <omp.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "ops/checks.hpp"
#include "ops/reference.hpp"
#include "ops/resize_blend.hpp"
#include "ops/resize_taps.hpp"

namespace ffnet::ops {
namespace {

struct ResizePlan : OpPlan {
  std::vector<BilinearTap> bilinear_y, bilinear_x;  // bilinear_align_corners
  std::vector<int> nearest_y, nearest_x;            // nearest
  std::size_t cache_floats = 0;                     // per thread: two rows of the output's width
};

// Two horizontally interpolated source rows (in memory the caller lends), identified by
// channel * in_h + row.
class RowCache {
 public:
  RowCache(float* memory, int width) : rows_{memory, memory + width} {}
  // Row `key`, filled by fill(dst) if not held; the slot holding `keep` is never reused.
  template <class Fill>
  const float* get(std::int64_t key, std::int64_t keep, Fill fill) {
    for (int s = 0; s < 2; ++s)
      if (keys_[s] == key) return rows_[s];
    const int slot = keys_[0] == keep ? 1 : 0;
    fill(rows_[slot]);
    keys_[slot] = key;
    return rows_[slot];
  }

 private:
  float* rows_[2];
  std::int64_t keys_[2] = {-1, -1};
};

void resize_bilinear(const ResizePlan& plan, ConstView in, View out, ConstView add, const RunContext& ctx) {
  const std::vector<BilinearTap>& ty = plan.bilinear_y;
  const std::vector<BilinearTap>& tx = plan.bilinear_x;
  const int rows = out.dims.c * out.dims.h;
  const int out_w = out.dims.w;
  float* scratch = scratch_at<float>(ctx, 0);
#pragma omp parallel num_threads(ctx.threads)
  {
    RowCache cache(scratch + std::size_t(omp_get_thread_num()) * plan.cache_floats, out_w);
#pragma omp for schedule(static)
    for (int r = 0; r < rows; ++r) {
      const int c = r / out.dims.h;
      const auto y = std::size_t(r % out.dims.h);
      auto horizontal = [&](int source_row) {
        return [&, source_row](float* dst) {
          const float* src = in.row(c, source_row);
          for (int x = 0; x < out_w; ++x) {
            const BilinearTap& t = tx[std::size_t(x)];
            dst[x] = blend(src[t.i0], t.w0, src[t.i1], t.w1);
          }
        };
      };
      const std::int64_t key0 = std::int64_t(c) * in.dims.h + ty[y].i0;
      const std::int64_t key1 = std::int64_t(c) * in.dims.h + ty[y].i1;
      const float* top = cache.get(key0, key1, horizontal(ty[y].i0));
      const float* bottom = cache.get(key1, key0, horizontal(ty[y].i1));
      blend_rows(top, bottom, ty[y].w0, ty[y].w1, add.data ? add.row(c, int(y)) : nullptr, out.row(c, int(y)), out_w);
    }
  }
}

void resize_nearest(const ResizePlan& plan, ConstView in, View out, ConstView add, const RunContext& ctx) {
  const std::vector<int>& ty = plan.nearest_y;
  const std::vector<int>& tx = plan.nearest_x;
  const int rows = out.dims.c * out.dims.h;
  const int out_w = out.dims.w;
#pragma omp parallel num_threads(ctx.threads)
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

class Resize final : public Op {
 public:
  explicit Resize(ResizeMode mode) : mode_(mode) {}

  std::unique_ptr<OpPlan> reshape(std::span<const Dims> in, Dims out, int threads) const override {
    if (in.empty() || in.size() > 2) throw_internal("resize: " + std::to_string(in.size()) + " inputs");
    detail::check_threads("resize", threads);
    detail::check_not_empty("resize", in[0]);
    detail::check_not_empty("resize", out);
    if (in[0].c != out.c) throw_internal("resize: channels " + in[0].str() + " -> " + out.str());
    if (in.size() == 2) detail::check_same_dims("resize", "add", in[1], out);
    auto plan = std::make_unique<ResizePlan>();
    if (mode_ == ResizeMode::nearest) {
      plan->algorithm = "nearest";
      plan->nearest_y = nearest_taps(in[0].h, out.h);
      plan->nearest_x = nearest_taps(in[0].w, out.w);
    } else {
      plan->algorithm = "bilinear, separable";
      plan->bilinear_y = bilinear_taps(in[0].h, out.h, true);
      plan->bilinear_x = bilinear_taps(in[0].w, out.w, true);
      plan->cache_floats = (2 * std::size_t(out.w) + 15) / 16 * 16;
      plan->scratch_bytes = std::size_t(threads) * plan->cache_floats * sizeof(float);
    }
    return plan;
  }

  void run(const OpPlan& base, std::span<const AnyView> in, AnyView out_view, const RunContext& ctx) const override {
    const auto& plan = static_cast<const ResizePlan&>(base);
    const ConstView from = in[0].as<const float>();
    const View out = out_view.as<float>();
    const ConstView add = in.size() > 1 ? in[1].as<const float>() : ConstView();
    if (ctx.scratch.size() < plan.scratch_bytes) throw_internal("resize: scratch too small");
    if (mode_ == ResizeMode::nearest) {
      if (plan.nearest_y.size() != std::size_t(out.dims.h) || plan.nearest_x.size() != std::size_t(out.dims.w))
        throw_internal("resize: the plan is for another size");
      resize_nearest(plan, from, out, add, ctx);
    } else {
      if (plan.bilinear_y.size() != std::size_t(out.dims.h) || plan.bilinear_x.size() != std::size_t(out.dims.w))
        throw_internal("resize: the plan is for another size");
      resize_bilinear(plan, from, out, add, ctx);
    }
  }

 private:
  ResizeMode mode_;
};

}  // namespace

std::unique_ptr<Op> make_resize(ResizeMode mode, const OpConfig& config) {
  if (config.reference) return reference::make_resize(mode);
  return std::make_unique<Resize>(mode);
}

}  // namespace ffnet::ops
