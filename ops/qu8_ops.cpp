// The int8 quantise, resize and add ops (qu8_ops.hpp): memory-bound loops over rows, threads
// splitting the rows. Their u8 maps are channels-last (tensor.hpp); the quantise reads the
// network's channel-major float input. The bilinear resize keeps each thread's two horizontally
// interpolated source rows, as the float one does.
#include "ops/qu8_ops.hpp"

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "ops/checks.hpp"
#include "ops/quantize_row.hpp"
#include "ops/reference.hpp"
#include "ops/resize_blend.hpp"
#include "ops/resize_taps.hpp"

namespace ffnet::ops {
namespace {

// Work items of 16384 elements, as for the float add (elementwise.cpp).
constexpr std::size_t kBlock = 16384;

// Channel-major float C x H x W in, channels-last u8 out. Each row goes in runs of kRun pixels:
// each channel's run is quantised into a buffer on the stack (contiguous, vectorised), then the
// runs are interleaved into the pixels.
class Quantize final : public Op {
 public:
  explicit Quantize(QuantParams output) : output_(output) {}

  std::unique_ptr<OpPlan> reshape(std::span<const Dims> in, Dims out, int) const override {
    detail::check_input_count("quantize", in.size(), 1);
    detail::check_same_dims("quantize", "output", out, in[0]);
    return Op::reshape(in, out, 1);
  }

  void run(const OpPlan&, std::span<const AnyView> in, AnyView out_view, const RunContext& ctx) const override {
    const auto x = in[0].as<const float>();
    const auto out = out_view.as<std::uint8_t>();
#pragma omp parallel for schedule(static) num_threads(ctx.threads)
    for (int y = 0; y < out.dims.h; ++y)
      for (int x0 = 0; x0 < out.dims.w; x0 += kRun) {
        const int n = std::min(kRun, out.dims.w - x0);
        if (out.dims.c == 3) quantize_rgb(x, y, x0, n, out.pixel(y, x0));
        else quantize_pixels(x, y, x0, n, out.pixel(y, x0));
      }
  }

  DType output_dtype() const override { return DType::u8; }

 private:
  static constexpr int kRun = 256;  // pixels: their floats and bytes stay in L1

  // Pixels [x0, x0 + n) of row y of a 3-channel map (the network's input), the three runs
  // interleaved together: writing the output bytes once, in order, takes the op on 3x1024x2048
  // from 4.3 to 2.1 ms against one strided pass per channel (one thread of an AMD EPYC, GCC 12).
  void quantize_rgb(ConstView x, int y, int x0, int n, std::uint8_t* dst) const {
    std::uint8_t bytes[3][kRun];
    for (int c = 0; c < 3; ++c)
      quantize_row(x.row(c, y) + x0, output_.inverse_scale(), output_.zero_point, bytes[c], n);
    for (int i = 0; i < n; ++i) {
      dst[3 * i] = bytes[0][i];
      dst[3 * i + 1] = bytes[1][i];
      dst[3 * i + 2] = bytes[2][i];
    }
  }

  // The same for any channel count, a channel at a time.
  void quantize_pixels(ConstView x, int y, int x0, int n, std::uint8_t* dst) const {
    const std::size_t channels = std::size_t(x.dims.c);
    std::uint8_t bytes[kRun];
    for (std::size_t c = 0; c < channels; ++c) {
      quantize_row(x.row(int(c), y) + x0, output_.inverse_scale(), output_.zero_point, bytes, n);
      for (int i = 0; i < n; ++i) dst[std::size_t(i) * channels + c] = bytes[i];
    }
  }

  QuantParams output_;
};

// Element by element: the same for any layout.
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
  bool copies_pixels = false;  // nearest, no add, one scale and zero point: a copy of input pixels
  std::size_t thread_floats = 0;  // per thread: two cached rows and one result row
};

// Channels-last in and out: an output row is out_w pixels of C values, computed as one row of
// out_w * C values (the taps index whole pixels).
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
      plan->copies_pixels = !add_ && input_ == output_;
      plan->algorithm = plan->copies_pixels ? "nearest, u8 pixel copies" : "nearest, u8";
      plan->nearest_y = nearest_taps(in[0].h, out.h);
      plan->nearest_x = nearest_taps(in[0].w, out.w);
    } else {
      plan->algorithm = "bilinear, u8 through float rows";
      plan->bilinear_y = bilinear_taps(in[0].h, out.h, true);
      plan->bilinear_x = bilinear_taps(in[0].w, out.w, true);
    }
    if (!plan->copies_pixels) {
      plan->thread_floats = (3 * std::size_t(out.w) * std::size_t(out.c) + 15) / 16 * 16;
      plan->scratch_bytes = std::size_t(threads) * plan->thread_floats * sizeof(float);
    }
    return plan;
  }

  void run(const OpPlan& base, std::span<const AnyView> in, AnyView out_view, const RunContext& ctx) const override {
    const auto& plan = static_cast<const Qu8ResizePlan&>(base);
    const auto x = in[0].as<const std::uint8_t>();
    const auto out = out_view.as<std::uint8_t>();
    const BasicView<const std::uint8_t> add = add_ ? in[1].as<const std::uint8_t>() : BasicView<const std::uint8_t>();
    if (ctx.scratch.size() < plan.scratch_bytes) throw_internal("qu8_resize: scratch too small");
    if (plan.copies_pixels) return copy_pixels(plan, x, out, ctx.threads);
    const std::size_t channels = std::size_t(out.dims.c);
    const int row_values = out.dims.w * out.dims.c;
    const float inv = output_.inverse_scale();
    float* scratch = scratch_at<float>(ctx, 0);
#pragma omp parallel num_threads(ctx.threads)
    {
      float* cache[2] = {scratch + std::size_t(omp_get_thread_num()) * plan.thread_floats, nullptr};
      cache[1] = cache[0] + row_values;
      float* result = cache[1] + row_values;
      int keys[2] = {-1, -1};
      // Source row `sy` interpolated horizontally (bilinear), kept in one of two slots; the
      // other slot is the one to replace unless it holds row `keep`.
      auto horizontal = [&](int sy, int keep) -> const float* {
        for (int s = 0; s < 2; ++s)
          if (keys[s] == sy) return cache[s];
        const int slot = keys[0] == keep ? 1 : 0;
        float* dst = cache[slot];
        for (int j = 0; j < out.dims.w; ++j) {
          const BilinearTap& t = plan.bilinear_x[std::size_t(j)];
          const std::uint8_t* p0 = x.pixel(sy, t.i0);
          const std::uint8_t* p1 = x.pixel(sy, t.i1);
          float* pixel = dst + std::size_t(j) * channels;
          for (std::size_t c = 0; c < channels; ++c)
            pixel[c] = blend(dequantize(p0[c], input_), t.w0, dequantize(p1[c], input_), t.w1);
        }
        keys[slot] = sy;
        return dst;
      };
#pragma omp for schedule(static)
      for (int y = 0; y < out.dims.h; ++y) {
        if (mode_ == ResizeMode::nearest) {
          const int sy = plan.nearest_y[std::size_t(y)];
          for (int j = 0; j < out.dims.w; ++j) {
            const std::uint8_t* p = x.pixel(sy, plan.nearest_x[std::size_t(j)]);
            for (std::size_t c = 0; c < channels; ++c) result[std::size_t(j) * channels + c] = dequantize(p[c], input_);
          }
        } else {
          const BilinearTap& t = plan.bilinear_y[std::size_t(y)];
          const float* top = horizontal(t.i0, t.i1);
          const float* bottom = horizontal(t.i1, t.i0);
          blend_rows(top, bottom, t.w0, t.w1, nullptr, result, row_values);
        }
        if (add_) {
          const std::uint8_t* extra = add.pixel(y, 0);
          for (int i = 0; i < row_values; ++i) result[i] = result[i] + dequantize(extra[i], *add_);
        }
        quantize_row(result, inv, output_.zero_point, out.pixel(y, 0), row_values);
      }
    }
  }

  DType output_dtype() const override { return DType::u8; }

 private:
  // Nearest without requantising: whole input rows when the columns map one to one, else pixels.
  static void copy_pixels(const Qu8ResizePlan& plan, BasicView<const std::uint8_t> x, BasicView<std::uint8_t> out,
                          int threads) {
    const std::size_t channels = std::size_t(out.dims.c);
    const bool same_width = x.dims.w == out.dims.w;
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int y = 0; y < out.dims.h; ++y) {
      const int sy = plan.nearest_y[std::size_t(y)];
      if (same_width) {
        std::memcpy(out.pixel(y, 0), x.pixel(sy, 0), std::size_t(out.dims.w) * channels);
        continue;
      }
      for (int j = 0; j < out.dims.w; ++j)
        std::memcpy(out.pixel(y, j), x.pixel(sy, plan.nearest_x[std::size_t(j)]), channels);
    }
  }

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
