// The int8 quantise, resize and add ops (qu8_ops.hpp): memory-bound loops over rows, threads
// splitting the rows; the bilinear resize keeps each thread's two horizontally interpolated
// source rows, as the float one does.
#include "ops/qu8_ops.hpp"

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "ops/checks.hpp"
#include "ops/reference.hpp"
#include "ops/resize_blend.hpp"
#include "ops/resize_taps.hpp"

namespace ffnet::ops {
namespace {

// Work items of 16384 elements, as for the float add (elementwise.cpp).
constexpr std::size_t kBlock = 16384;

class Quantize final : public Op {
 public:
  explicit Quantize(QuantParams output) : output_(output) {}

  std::unique_ptr<OpPlan> reshape(std::span<const Dims> in, Dims out, int) const override {
    detail::check_input_count("quantize", in.size(), 1);
    detail::check_same_dims("quantize", "output", out, in[0]);
    return Op::reshape(in, out, 1);
  }

  void run(const OpPlan&, std::span<const AnyView> in, AnyView out, const RunContext& ctx) const override {
    const float* x = in[0].as<const float>().data;
    std::uint8_t* q = out.as<std::uint8_t>().data;
    const std::size_t n = out.dims.size();
    const float inv = output_.inverse_scale();
    const int z = output_.zero_point;
    const auto blocks = std::int64_t((n + kBlock - 1) / kBlock);
#pragma omp parallel for schedule(static) num_threads(ctx.threads)
    for (std::int64_t b = 0; b < blocks; ++b)
      for (std::size_t i = std::size_t(b) * kBlock, end = std::min(n, i + kBlock); i < end; ++i)
        q[i] = quantize_u8(x[i], inv, z);
  }

  DType output_dtype() const override { return DType::u8; }

 private:
  QuantParams output_;
};

class Qu8Add final : public Op {
 public:
  Qu8Add(QuantParams a, QuantParams b, QuantParams output) : a_(a), b_(b), output_(output) {}

  std::unique_ptr<OpPlan> reshape(std::span<const Dims> in, Dims out, int) const override {
    detail::check_input_count("qu8_add", in.size(), 2);
    detail::check_same_dims("qu8_add", "second operand", in[1], in[0]);
    detail::check_same_dims("qu8_add", "output", out, in[0]);
    return Op::reshape(in, out, 1);
  }

  void run(const OpPlan&, std::span<const AnyView> in, AnyView out, const RunContext& ctx) const override {
    const std::uint8_t* a = in[0].as<const std::uint8_t>().data;
    const std::uint8_t* b = in[1].as<const std::uint8_t>().data;
    std::uint8_t* q = out.as<std::uint8_t>().data;
    const std::size_t n = out.dims.size();
    const float inv = output_.inverse_scale();
    const auto blocks = std::int64_t((n + kBlock - 1) / kBlock);
#pragma omp parallel for schedule(static) num_threads(ctx.threads)
    for (std::int64_t k = 0; k < blocks; ++k)
      for (std::size_t i = std::size_t(k) * kBlock, end = std::min(n, i + kBlock); i < end; ++i)
        q[i] = quantize_u8(dequantize(a[i], a_) + dequantize(b[i], b_), inv, output_.zero_point);
  }

  DType output_dtype() const override { return DType::u8; }

 private:
  QuantParams a_, b_, output_;
};

struct Qu8ResizePlan : OpPlan {
  std::vector<BilinearTap> bilinear_y, bilinear_x;
  std::vector<int> nearest_y, nearest_x;
  std::size_t thread_floats = 0;  // per thread: two cached rows and one result row
};

class Qu8Resize final : public Op {
 public:
  Qu8Resize(ResizeMode mode, QuantParams input, std::optional<QuantParams> add, QuantParams output)
      : mode_(mode), input_(input), add_(add), output_(output) {}

  std::unique_ptr<OpPlan> reshape(std::span<const Dims> in, Dims out, int threads) const override {
    detail::check_input_count("qu8_resize", in.size(), add_ ? 2 : 1);
    detail::check_threads("qu8_resize", threads);
    detail::check_not_empty("qu8_resize", in[0]);
    detail::check_not_empty("qu8_resize", out);
    if (in[0].c != out.c) throw_internal("qu8_resize: channels " + in[0].str() + " -> " + out.str());
    if (add_) detail::check_same_dims("qu8_resize", "add", in[1], out);
    auto plan = std::make_unique<Qu8ResizePlan>();
    if (mode_ == ResizeMode::nearest) {
      plan->algorithm = "nearest, u8";
      plan->nearest_y = nearest_taps(in[0].h, out.h);
      plan->nearest_x = nearest_taps(in[0].w, out.w);
    } else {
      plan->algorithm = "bilinear, u8 through float rows";
      plan->bilinear_y = bilinear_taps(in[0].h, out.h, true);
      plan->bilinear_x = bilinear_taps(in[0].w, out.w, true);
    }
    plan->thread_floats = (3 * std::size_t(out.w) + 15) / 16 * 16;
    plan->scratch_bytes = std::size_t(threads) * plan->thread_floats * sizeof(float);
    return plan;
  }

  void run(const OpPlan& base, std::span<const AnyView> in, AnyView out_view, const RunContext& ctx) const override {
    const auto& plan = static_cast<const Qu8ResizePlan&>(base);
    const auto x = in[0].as<const std::uint8_t>();
    const auto out = out_view.as<std::uint8_t>();
    const BasicView<const std::uint8_t> add = add_ ? in[1].as<const std::uint8_t>() : BasicView<const std::uint8_t>();
    if (ctx.scratch.size() < plan.scratch_bytes) throw_internal("qu8_resize: scratch too small");
    const int rows = out.dims.c * out.dims.h, out_w = out.dims.w;
    const float inv = output_.inverse_scale();
    float* scratch = scratch_at<float>(ctx, 0);
#pragma omp parallel num_threads(ctx.threads)
    {
      float* cache[2] = {scratch + std::size_t(omp_get_thread_num()) * plan.thread_floats, nullptr};
      cache[1] = cache[0] + out_w;
      float* result = cache[1] + out_w;
      std::int64_t keys[2] = {-1, -1};
      // Source row `sy` of channel c interpolated horizontally (bilinear), kept in one of two slots.
      auto horizontal = [&](int c, int sy, std::int64_t keep) -> const float* {
        const std::int64_t key = std::int64_t(c) * x.dims.h + sy;
        for (int s = 0; s < 2; ++s)
          if (keys[s] == key) return cache[s];
        const int slot = keys[0] == keep ? 1 : 0;
        const std::uint8_t* src = x.row(c, sy);
        for (int j = 0; j < out_w; ++j) {
          const BilinearTap& t = plan.bilinear_x[std::size_t(j)];
          cache[slot][j] = blend(dequantize(src[t.i0], input_), t.w0, dequantize(src[t.i1], input_), t.w1);
        }
        keys[slot] = key;
        return cache[slot];
      };
#pragma omp for schedule(static)
      for (int r = 0; r < rows; ++r) {
        const int c = r / out.dims.h, y = r % out.dims.h;
        if (mode_ == ResizeMode::nearest) {
          const std::uint8_t* src = x.row(c, plan.nearest_y[std::size_t(y)]);
          for (int j = 0; j < out_w; ++j) result[j] = dequantize(src[plan.nearest_x[std::size_t(j)]], input_);
        } else {
          const BilinearTap& t = plan.bilinear_y[std::size_t(y)];
          const std::int64_t key0 = std::int64_t(c) * x.dims.h + t.i0, key1 = std::int64_t(c) * x.dims.h + t.i1;
          const float* top = horizontal(c, t.i0, key1);
          const float* bottom = horizontal(c, t.i1, key0);
          blend_rows(top, bottom, t.w0, t.w1, nullptr, result, out_w);
        }
        std::uint8_t* dst = out.row(c, y);
        if (add_) {
          const std::uint8_t* extra = add.row(c, y);
          for (int j = 0; j < out_w; ++j)
            dst[j] = quantize_u8(result[j] + dequantize(extra[j], *add_), inv, output_.zero_point);
        } else {
          for (int j = 0; j < out_w; ++j) dst[j] = quantize_u8(result[j], inv, output_.zero_point);
        }
      }
    }
  }

  DType output_dtype() const override { return DType::u8; }

 private:
  ResizeMode mode_;
  QuantParams input_;
  std::optional<QuantParams> add_;
  QuantParams output_;
};

}  // namespace

std::unique_ptr<Op> make_quantize(QuantParams output, const OpConfig& config) {
  if (config.reference) return reference::make_quantize(output);
  return std::make_unique<Quantize>(output);
}

std::unique_ptr<Op> make_qu8_resize(ResizeMode mode, QuantParams input, std::optional<QuantParams> add,
                                    QuantParams output, const OpConfig& config) {
  if (config.reference) return reference::make_qu8_resize(mode, input, add, output);
  return std::make_unique<Qu8Resize>(mode, input, add, output);
}

std::unique_ptr<Op> make_qu8_add(QuantParams a, QuantParams b, QuantParams output, const OpConfig& config) {
  if (config.reference) return reference::make_qu8_add(a, b, output);
  return std::make_unique<Qu8Add>(a, b, output);
}

}  // namespace ffnet::ops
