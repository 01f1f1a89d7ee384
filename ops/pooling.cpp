// Max pooling as a column pass (the max over the window's rows, vectorised along the row) then
// a row pass (the max over the window's columns), and global average pooling in double. u8 maps
// are channels-last (tensor.hpp): their rows are w * C values, their passes go pixel by pixel,
// vectorised over the C channels.
#include "ops/pooling.hpp"

#include <algorithm>
#include <cstdint>
#include <omp.h>
#include <type_traits>

#include "ops/checks.hpp"
#include "ops/reference.hpp"

namespace ffnet::ops {
namespace {

// PyTorch's update rule: a larger value or a NaN replaces the running maximum, so a NaN anywhere
// in the window is the result. Written branch-free so that the column pass vectorises. (u8
// values, of one scale and zero point in and out, need only the larger.)
inline float max_step(float best, float v) { return ((v > best) | (v != v)) ? v : best; }
inline std::uint8_t max_step(std::uint8_t best, std::uint8_t v) { return v > best ? v : best; }

// The range [first, last) of input indices inside output index o's window.
struct Window {
  int first;
  int last;
};
inline Window window(const MaxPoolShape& s, int o, int in_size) {
  int start = o * s.stride - s.pad;
  return {std::max(start, 0), std::min(start + s.kernel, in_size)};
}

// Output columns [first, last) whose windows lie wholly inside the input.
struct Interior {
  int first;
  int last;
};
Interior interior_columns(const MaxPoolShape& s, int in_w, int out_w) {
  int first = std::min((s.pad + s.stride - 1) / s.stride, out_w);
  const int room = in_w + s.pad - s.kernel;  // the last window's start, if inside
  int last = room < 0 ? 0 : std::min(out_w, room / s.stride + 1);
  last = std::max(first, last);
  return {first, last};
}

// dst[x] = max of the window of output column x over the column maxima `cm`. Interior columns
// go tap by tap over the whole range (strided loads the compiler vectorises); the clipped
// border windows one by one. Both visit a window's columns left to right.
template <class T>
void max_over_columns(const MaxPoolShape& s, const T* cm, int in_w, Interior interior, T* dst, int out_w) {
  auto clipped = [&](int x) {
    const Window wx = window(s, x, in_w);
    T best = cm[wx.first];
    for (int ix = wx.first + 1; ix < wx.last; ++ix) best = max_step(best, cm[ix]);
    dst[x] = best;
  };
  for (int x = 0; x < interior.first; ++x) clipped(x);
  const T* base = cm - s.pad;
  for (int x = interior.first; x < interior.last; ++x) dst[x] = base[x * s.stride];
  for (int k = 1; k < s.kernel; ++k)
    for (int x = interior.first; x < interior.last; ++x) dst[x] = max_step(dst[x], base[x * s.stride + k]);
  for (int x = interior.last; x < out_w; ++x) clipped(x);
}

// The row pass of a channels-last map: dst pixel x = the max of the pixels of its window in `cm`
// (a row of in_w pixels of `channels` values), left to right.
void max_over_pixels(const MaxPoolShape& s, const std::uint8_t* cm, int in_w, int channels, std::uint8_t* dst,
                     int out_w) {
  const std::size_t n = std::size_t(channels);
  for (int x = 0; x < out_w; ++x) {
    const Window wx = window(s, x, in_w);
    std::uint8_t* best = dst + std::size_t(x) * n;
    std::copy_n(cm + std::size_t(wx.first) * n, n, best);
    for (int ix = wx.first + 1; ix < wx.last; ++ix) {
      const std::uint8_t* v = cm + std::size_t(ix) * n;
      for (std::size_t c = 0; c < n; ++c) best[c] = max_step(best[c], v[c]);
    }
  }
}

// Each thread's column maxima (one input row: w values, or w * C for a channels-last map) live
// in the scratch.
struct MaxPoolPlan : OpPlan {
  std::size_t row_elements = 0;
};

// T: float, or std::uint8_t for int8 maps (the output keeps the input's scale and zero point).
template <class T>
class MaxPool final : public Op {
 public:
  explicit MaxPool(const MaxPoolShape& shape) : shape_(shape) {}

  std::unique_ptr<OpPlan> reshape(std::span<const Dims> in, Dims out, int threads) const override {
    detail::check_input_count("max_pool", in.size(), 1);
    detail::check_threads("max_pool", threads);
    detail::check_same_dims("max_pool", "output", out, max_pool_output_dims(shape_, in[0]));
    auto plan = std::make_unique<MaxPoolPlan>();
    plan->algorithm = "column then row maxima";
    plan->row_elements = (row_values(in[0]) * sizeof(T) + 63) / 64 * 64 / sizeof(T);  // whole cache lines
    plan->scratch_bytes = std::size_t(threads) * plan->row_elements * sizeof(T);
    return plan;
  }

  void run(const OpPlan& plan, std::span<const AnyView> in, AnyView out, const RunContext& ctx) const override {
    const auto from = in[0].as<const T>();
    const auto to = out.as<T>();
    run_rows(static_cast<const MaxPoolPlan&>(plan), {from, 0, from.dims.h}, {to, 0, to.dims.h}, {0, to.dims.h}, ctx);
  }

  bool runs_in_bands() const override { return true; }
  BandWindow band_window(const OpPlan&) const override { return {shape_.kernel, shape_.stride, shape_.pad, 1}; }
  void run_band(const OpPlan& plan, AnyBand in, AnyBand out, RowRange rows, const RunContext& ctx) const override {
    run_rows(static_cast<const MaxPoolPlan&>(plan), band_as<const T>(in), band_as<T>(out), rows, ctx);
  }

  DType output_dtype() const override { return dtype_of<T>(); }

 private:
  static constexpr bool kChannelsLast = std::is_same_v<T, std::uint8_t>;
  // The values of one row of a map: channel-major, one channel's; channels-last, all of them.
  static std::size_t row_values(Dims d) { return std::size_t(d.w) * (kChannelsLast ? std::size_t(d.c) : 1); }

  // Output rows `rows` (stored in `out_band`) from `in_band`, which must hold every input row they read.
  void run_rows(const MaxPoolPlan& plan, BasicBand<BasicView<const T>> in_band, BasicBand<BasicView<T>> out_band,
                RowRange out_rows, const RunContext& ctx) const {
    const MaxPoolShape& s = shape_;
    const auto in = in_band.view;
    const auto out = out_band.view;
    const Dims full_out = max_pool_output_dims(s, {in.dims.c, in_band.height, in.dims.w});
    const RowRange need = input_rows(out_rows.first, out_rows.last, s.kernel, s.stride, s.pad, in_band.height);
    if (out.dims.c != full_out.c || out.dims.w != full_out.w || out_band.height != full_out.h ||
        out_rows.first < out_band.row0 || out_rows.last > out_band.row0 + out.dims.h || need.first < in_band.row0 ||
        need.last > in_band.row0 + in.dims.h || row_values(in.dims) > plan.row_elements ||
        ctx.scratch.size() < plan.scratch_bytes)
      throw_internal("max_pool: the bands or the scratch do not fit the pooling");
    const int band_h = out_rows.last - out_rows.first;
    const int rows = (kChannelsLast ? 1 : out.dims.c) * band_h;  // work items: a row of a channel, or of pixels
    const int in_w = in.dims.w;
    const std::size_t in_values = row_values(in.dims);
    const Interior interior = interior_columns(s, in_w, out.dims.w);
    T* scratch = scratch_at<T>(ctx, 0);
#pragma omp parallel num_threads(ctx.threads)
    {
      T* cm = scratch + std::size_t(omp_get_thread_num()) * plan.row_elements;
#pragma omp for schedule(static)
      for (int r = 0; r < rows; ++r) {
        const int c = r / band_h;  // 0 for channels-last maps
        const int y = out_rows.first + r % band_h;  // in the whole map
        const Window wy = window(s, y, in_band.height);
        std::copy_n(input_row(in, c, wy.first - in_band.row0), in_values, cm);
        for (int iy = wy.first + 1; iy < wy.last; ++iy) {
          const T* src = input_row(in, c, iy - in_band.row0);
          for (std::size_t x = 0; x < in_values; ++x) cm[x] = max_step(cm[x], src[x]);
        }
        if constexpr (kChannelsLast)
          max_over_pixels(s, cm, in_w, in.dims.c, out.pixel(y - out_band.row0, 0), out.dims.w);
        else
          max_over_columns(s, cm, in_w, interior, out.row(c, y - out_band.row0), out.dims.w);
      }
    }
  }

  static const T* input_row(BasicView<const T> in, int c, int y) {
    if constexpr (kChannelsLast) return in.pixel(y, 0);
    else return in.row(c, y);
  }

  MaxPoolShape shape_;
};

// Each channel's sum is accumulated in double (four independent partial sums, so the loop
// vectorises). Its rounding error, about plane * 2^-53 relative to the sum of |x|, stays far
// below one float ulp of the mean for any realistic plane (PyTorch sums in float). The order is
// fixed per channel, so the result does not depend on the thread count.
class GlobalAveragePool final : public Op {
 public:
  GlobalAveragePool(DType dtype, QuantParams input) : dtype_(dtype), input_(input) {}

  std::unique_ptr<OpPlan> reshape(std::span<const Dims> in, Dims out, int) const override {
    detail::check_input_count("global_average_pool", in.size(), 1);
    detail::check_not_empty("global_average_pool", in[0]);
    detail::check_same_dims("global_average_pool", "output", out, Dims{in[0].c, 1, 1});
    return Op::reshape(in, out, 1);
  }

  void run(const OpPlan&, std::span<const AnyView> in_views, AnyView out_view, const RunContext& ctx) const override {
    float* out = out_view.as<float>().data;
    if (dtype_ == DType::u8) return average_u8(in_views[0].as<const std::uint8_t>(), out, ctx.threads);
    const ConstView in = in_views[0].as<const float>();
    const std::size_t plane = in.dims.plane();
#pragma omp parallel for schedule(static) num_threads(ctx.threads)
    for (int c = 0; c < in.dims.c; ++c) {
      const float* src = in.channel(c);
      double partial[4] = {0, 0, 0, 0};
      std::size_t i = 0;
      for (; i + 4 <= plane; i += 4)
        for (int l = 0; l < 4; ++l) partial[l] += double(src[i + std::size_t(l)]);
      for (; i < plane; ++i) partial[0] += double(src[i]);
      out[c] = float(((partial[0] + partial[1]) + (partial[2] + partial[3])) / double(plane));
    }
  }

 private:
  // A channels-last map: the exact integer sums of kGroup channels at a time, pixel by pixel
  // (contiguous, vectorised), threads splitting the groups.
  void average_u8(BasicView<const std::uint8_t> q, float* out, int threads) const {
    constexpr int kGroup = 64;
    const int channels = q.dims.c;
    const int groups = (channels + kGroup - 1) / kGroup;
    const std::size_t plane = q.dims.plane();
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int g = 0; g < groups; ++g) {
      const int first = g * kGroup, count = std::min(kGroup, channels - first);
      std::int64_t sum[kGroup] = {};
      for (std::size_t p = 0; p < plane; ++p) {
        const std::uint8_t* v = q.data + p * std::size_t(channels) + std::size_t(first);
        for (int c = 0; c < count; ++c) sum[c] += v[c];
      }
      for (int c = 0; c < count; ++c) out[first + c] = qu8_mean(sum[c], plane, input_);
    }
  }

  DType dtype_;
  QuantParams input_;
};

}  // namespace

std::unique_ptr<Op> make_max_pool(const MaxPoolShape& shape, const OpConfig& config, DType dtype) {
  if (dtype != DType::f32 && dtype != DType::u8) throw_internal("max_pool: unsupported element type");
  if (config.reference) return reference::make_max_pool(shape, dtype);
  if (dtype == DType::u8) return std::make_unique<MaxPool<std::uint8_t>>(shape);
  return std::make_unique<MaxPool<float>>(shape);
}

std::unique_ptr<Op> make_global_average_pool(const OpConfig& config, DType dtype, QuantParams input) {
  if (dtype != DType::f32 && dtype != DType::u8) throw_internal("global_average_pool: unsupported element type");
  if (config.reference) return reference::make_global_average_pool(dtype, input);
  return std::make_unique<GlobalAveragePool>(dtype, input);
}

}  // namespace ffnet::ops
