// Pre-down smoothing: each of an output row's five source rows is split into its even and odd
// columns, so the stride-2 taps become contiguous, vectorisable multiply-adds over the row.
#include "ops/smoothing.hpp"

#include <algorithm>
#include <omp.h>

#include "ops/checks.hpp"
#include "ops/reference.hpp"

namespace ffnet::ops {
namespace {

// Row of the unpadded input that padded row `padded` (0 = the reflected row -1) reads.
inline int reflected_row(int padded, int height) {
  int y = padded - 1;
  if (y < 0) return -y;
  if (y >= height) return 2 * (height - 1) - y;
  return y;
}

// Each thread's even and odd columns of one source row live in the scratch.
struct SmoothingPlan : OpPlan {
  std::size_t even_floats = 0, odd_floats = 0, thread_floats = 0;
};

class PreDownSmooth final : public Op {
 public:
  PreDownSmooth(std::span<const float> weight, int channels) : weight_(weight.size()), channels_(channels) {
    std::copy(weight.begin(), weight.end(), weight_.data());
  }

  std::unique_ptr<OpPlan> reshape(std::span<const Dims> in, Dims out, int threads) const override {
    detail::check_input_count("pre_down_smooth", in.size(), 1);
    detail::check_threads("pre_down_smooth", threads);
    detail::check_same_dims("pre_down_smooth", "output", out, smoothing_output_dims(in[0]));
    if (in[0].c != channels_) throw_internal("pre_down_smooth: input " + in[0].str());
    auto plan = std::make_unique<SmoothingPlan>();
    plan->algorithm = "even/odd columns";
    plan->even_floats = std::size_t(in[0].w + 1) / 2;
    plan->odd_floats = std::size_t(in[0].w) / 2;
    plan->thread_floats = (plan->even_floats + plan->odd_floats + 15) / 16 * 16;
    plan->scratch_bytes = std::size_t(threads) * plan->thread_floats * sizeof(float);
    return plan;
  }

  void run(const OpPlan& base, std::span<const AnyView> in_views, AnyView out_view, const RunContext& ctx) const override {
    const auto& plan = static_cast<const SmoothingPlan&>(base);
    const ConstView in = in_views[0].as<const float>();
    const View out = out_view.as<float>();
    if (ctx.scratch.size() < plan.scratch_bytes || std::size_t(in.dims.w + 1) / 2 != plan.even_floats)
      throw_internal("pre_down_smooth: the plan does not fit the input");
    constexpr int taps = kSmoothingTaps;
    const int rows = out.dims.c * out.dims.h;
    const int out_w = out.dims.w;
    const int in_w = in.dims.w;
    // Output x reads even[x + kx / 2] (kx even) or odd[x + kx / 2] (kx odd).
    const std::size_t even_w = plan.even_floats, odd_w = plan.odd_floats;
    float* scratch = scratch_at<float>(ctx, 0);
#pragma omp parallel num_threads(ctx.threads)
    {
      float* even = scratch + std::size_t(omp_get_thread_num()) * plan.thread_floats;
      float* odd = even + even_w;
#pragma omp for schedule(static)
      for (int r = 0; r < rows; ++r) {
        const int c = r / out.dims.h;
        const int y = r % out.dims.h;
        const float* w = weight_.data() + std::size_t(c) * taps * taps;
        float* dst = out.row(c, y);
        std::fill_n(dst, out_w, 0.0f);
        for (int ky = 0; ky < taps; ++ky) {
          const float* src = in.row(c, reflected_row(2 * y + ky, in.dims.h));
          for (std::size_t i = 0; i < odd_w; ++i) {
            even[i] = src[2 * i];
            odd[i] = src[2 * i + 1];
          }
          if (even_w > odd_w) even[even_w - 1] = src[in_w - 1];
          for (int kx = 0; kx < taps; ++kx) {
            const float tap = w[ky * taps + kx];
            const float* col = (kx % 2 == 0 ? even : odd) + kx / 2;
            for (int x = 0; x < out_w; ++x) dst[x] += tap * col[x];
          }
        }
      }
    }
  }

  std::size_t weight_bytes() const override { return weight_.size() * sizeof(float); }

 private:
  AlignedArray<float> weight_;
  int channels_;
};

}  // namespace

std::unique_ptr<Op> make_pre_down_smooth(std::span<const float> weight, int channels, const OpConfig& config) {
  detail::check_smoothing_weight(weight.size(), channels);
  if (config.reference) return reference::make_pre_down_smooth(weight, channels);
  return std::make_unique<PreDownSmooth>(weight, channels);
}

}  // namespace ffnet::ops
