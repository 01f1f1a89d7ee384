// The fast convolution op: a GEMM per image, C[out_channels][out pixels] = weights[out_channels]
// [in_channels * kh * kw] x im2col(input), with B packed tile by tile; or Winograd F(4x4, 3x3),
// chosen at reshape for the actual map size. The GEMM-packed weights are made at create and
// always kept (any size may need them); Winograd's (4x their size) on the first reshape that
// chooses Winograd, under the network's budget, and shared by every Workspace from then on.
#include <algorithm>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "ffnet/core/aligned_buffer.hpp"
#include "ffnet/core/error.hpp"
#include "ops/checks.hpp"
#include "ops/conv.hpp"
#include "ops/gemm/conv_gemm.hpp"
#include "ops/gemm/winograd.hpp"
#include "ops/reference.hpp"

namespace ffnet::ops {
namespace {

// The smallest output for which Winograd is faster than the direct GEMM. FFNET_BENCH_TUNE=1
// bench_gemm --benchmark_filter=crossover/ (3x3 layers of 64 to 512 channels, one Zen 4 VM,
// 1 and 2 threads): at 16x32 output pixels Winograd takes 1.3-2.5x less time, at 8x16 the two
// tie (0.86-1.09x), at 4x8 and below Winograd takes 1.3-7x longer. Which layers may hold
// Winograd's 4x larger weights at all is the model's choice (ConvSpec::winograd_weights).
constexpr std::size_t kWinogradMinPixels = 16 * 32;

enum class Algorithm { gemm, winograd };

struct ConvPlan : OpPlan {
  Algorithm choice = Algorithm::gemm;
  const gemm::GemmKernelInfo* kernel = nullptr;  // narrowed to the problem's columns
};

class GemmConv final : public Op {
 public:
  GemmConv(const ConvSpec& spec, std::span<const float> weight, std::span<const float> bias, const OpConfig& config)
      : spec_(spec), config_(config), kernel_(gemm::default_gemm_kernel(DType::f32, config.isa)),
        layout_(gemm::packed_a_layout(kernel_, spec.shape.out_channels, gemm::conv_gemm_k(spec.shape))) {
    packed_.resize(layout_.floats());
    gemm::pack_a(weight.data(), std::size_t(layout_.k), layout_, packed_.data());
    if (!bias.empty()) {
      bias_.resize(bias.size());
      std::copy(bias.begin(), bias.end(), bias_.data());
    }
  }

  std::unique_ptr<OpPlan> reshape(std::span<const Dims> in, Dims out, int threads) const override {
    detail::check_input_count("conv", in.size(), spec_.residual ? 2 : 1);
    detail::check_threads("conv", threads);
    detail::check_same_dims("conv", "output", out, conv_output_dims(spec_.shape, in[0]));
    if (spec_.residual) detail::check_same_dims("conv", "residual", in[1], out);
    if (out.plane() > std::size_t(INT32_MAX)) throw_input("convolution: image too large");
    auto plan = std::make_unique<ConvPlan>();
    if (wants_winograd(out) && winograd_weights_made()) {
      plan->choice = Algorithm::winograd;
      plan->kernel = &kernel_;  // winograd_conv narrows it to each block's tiles itself
      plan->scratch_bytes = gemm::winograd_scratch_floats(kernel_, spec_.shape, out, threads) * sizeof(float);
      plan->algorithm =
          "winograd f43 " + std::string(gemm::kernel_for_columns(kernel_, gemm::winograd_tiles(out), config_.isa).name);
    } else {
      const int n = int(out.plane());
      plan->kernel = &gemm::kernel_for_columns(kernel_, n, config_.isa);
      plan->scratch_bytes = gemm::gemm_scratch_floats(*plan->kernel, n, layout_.k, threads) * sizeof(float);
      plan->algorithm = std::string(plan->kernel->name);
    }
    return plan;
  }

  void run(const OpPlan& base, std::span<const AnyView> in_views, AnyView out_view, const RunContext& ctx) const override {
    const ConstView in = in_views[0].as<const float>();
    const View out = out_view.as<float>();
    const ConstView residual = spec_.residual ? in_views[1].as<const float>() : ConstView();
    if ((residual.data != nullptr && residual.data == out.data) || in.data == out.data)
      throw_internal("conv: the output must not alias the input or the residual");
    run_rows(static_cast<const ConvPlan&>(base), {in, 0, in.dims.h}, {out, 0, out.dims.h}, {0, out.dims.h},
             residual, ctx);
  }

  std::size_t weight_bytes() const override {
    std::lock_guard<std::mutex> lock(winograd_mutex_);
    return (packed_.size() + bias_.size() + winograd_.size()) * sizeof(float);
  }

  bool runs_in_bands() const override { return !spec_.residual; }

  BandWindow band_window(const OpPlan& base) const override {
    const auto& plan = static_cast<const ConvPlan&>(base);
    return {spec_.shape.kernel_h, spec_.shape.stride, spec_.shape.pad, plan.choice == Algorithm::winograd ? 4 : 1};
  }

  void run_band(const OpPlan& base, AnyBand in_any, AnyBand out_any, RowRange rows, const RunContext& ctx) const override {
    const auto& plan = static_cast<const ConvPlan&>(base);
    const ConstBand in = band_as<const float>(in_any);
    const Band out = band_as<float>(out_any);
    const Dims full_out = conv_output_dims(spec_.shape, {in.view.dims.c, in.height, in.view.dims.w});
    const BandWindow window = band_window(plan);
    if (spec_.residual || out.view.dims.c != full_out.c || out.view.dims.w != full_out.w ||
        out.height != full_out.h || rows.first < out.row0 || rows.last > out.row0 + out.view.dims.h ||
        rows.first >= rows.last || rows.first % window.alignment != 0)
      throw_internal("conv::run_band: output rows do not fit " + full_out.str());
    const RowRange need = band_input_rows(window, rows, in.height);
    if (need.first < in.row0 || need.last > in.row0 + in.view.dims.h)
      throw_internal("conv::run_band: the input band lacks rows the output band needs");
    run_rows(plan, in, out, rows, ConstView(), ctx);
  }

 private:
  const float* bias_or_null() const { return bias_.size() ? bias_.data() : nullptr; }

  // Output rows `rows` of the map `out` is a band of, from the band `in` (whole maps: bands from
  // row 0 of the map's height); the residual, if any, laid out like `out`.
  void run_rows(const ConvPlan& plan, ConstBand in, Band out, RowRange rows, ConstView residual,
                const RunContext& ctx) const {
    if (ctx.scratch.size() < plan.scratch_bytes) throw_internal("conv: scratch too small for the plan");
    if (plan.choice == Algorithm::winograd) {
      gemm::winograd_conv(kernel_, config_.isa, spec_.shape, winograd_.data(), bias_or_null(), in, out, rows,
                          {residual, spec_.relu}, ctx.threads, scratch_floats(ctx));
      return;
    }
    const int out_w = out.view.dims.w;
    const bool whole = in.row0 == 0 && in.view.dims.h == in.height && out.row0 == 0 && out.view.dims.h == out.height;
    const Dims out_dims{spec_.shape.out_channels, out.height, out_w};
    const gemm::GemmProblem problem{
        .m = spec_.shape.out_channels,
        .n0 = rows.first * out_w,
        .n = (rows.last - rows.first) * out_w,
        .k = layout_.k,
        .packed_a = packed_.data(),
        // A whole map may be a plain matrix (1x1 convolutions); a band is always read as im2col.
        .b = whole ? gemm::conv_b_source(spec_.shape, in.view, out_dims)
                   : gemm::Im2colB{.input = in.view, .kernel_h = spec_.shape.kernel_h, .kernel_w = spec_.shape.kernel_w,
                                   .stride = spec_.shape.stride, .pad = spec_.shape.pad, .out_w = out_w,
                                   .row0 = in.row0, .height = in.height},
        .out = {.c = out.view.data, .ldc = out.view.dims.plane(), .bias = bias_or_null(), .residual = residual.data,
                .ld_residual = out.view.dims.plane(), .relu = spec_.relu,
                .col0 = std::size_t(out.row0) * std::size_t(out_w)}};
    gemm::gemm(*plan.kernel, problem, ctx.threads, scratch_floats(ctx));
  }

  // Winograd where the configuration asks for it and the layer allows it; by default where the
  // layer may hold its weights and the output is large enough for it to be faster.
  bool wants_winograd(Dims out) const {
    if (!gemm::winograd_applies(spec_.shape)) return false;
    switch (config_.conv_algorithm) {
      case ConvAlgorithm::exact: return false;
      case ConvAlgorithm::winograd: return true;
      case ConvAlgorithm::fastest: return spec_.winograd_weights && out.plane() >= kWinogradMinPixels;
    }
    return false;
  }

  // Makes the transformed weights on first need, if the budget has room; whether they exist.
  bool winograd_weights_made() const {
    std::lock_guard<std::mutex> lock(winograd_mutex_);
    if (winograd_state_ == WinogradState::untried) {
      const std::size_t floats = gemm::winograd_weight_floats(kernel_, spec_.shape);
      if (config_.winograd_budget == nullptr || config_.winograd_budget->try_reserve(floats * sizeof(float))) {
        std::vector<float> oihw(std::size_t(layout_.m) * std::size_t(layout_.k));
        gemm::unpack_a(layout_, packed_.data(), oihw.data());
        winograd_.resize(floats);
        gemm::winograd_pack_weights(kernel_, spec_.shape, oihw.data(), winograd_.data());
        winograd_state_ = WinogradState::made;
      } else {
        winograd_state_ = WinogradState::refused;  // the budget is spent: this layer stays direct
      }
    }
    return winograd_state_ == WinogradState::made;
  }

  enum class WinogradState { untried, made, refused };

  ConvSpec spec_;
  OpConfig config_;
  const gemm::GemmKernelInfo& kernel_;  // the table's kernel for the ISA; narrowed per problem
  gemm::PackedALayout layout_;
  AlignedArray<float> packed_;
  AlignedArray<float> bias_;  // empty when the convolution has none
  mutable std::mutex winograd_mutex_;
  mutable WinogradState winograd_state_ = WinogradState::untried;
  mutable AlignedArray<float> winograd_;  // written once, under the mutex, before any plan uses it
};

}  // namespace

std::unique_ptr<Op> make_conv(const ConvSpec& spec, std::span<const float> weight_oihw, std::span<const float> bias,
                              const OpConfig& config) {
  const ConvShape& s = spec.shape;
  if (s.in_channels < 1 || s.out_channels < 1 || s.kernel_h < 1 || s.kernel_w < 1 || s.stride < 1 || s.pad < 0)
    throw_internal("conv: invalid convolution shape");
  if (weight_oihw.size() != std::size_t(s.out_channels) * std::size_t(gemm::conv_gemm_k(s)) ||
      (!bias.empty() && bias.size() != std::size_t(s.out_channels)))
    throw_internal("conv: weights do not match the shape");
  if (config.reference) return reference::make_conv(spec, weight_oihw, bias);
  if (!isa_supported(config.isa))
    throw_usage("conv: this CPU cannot run the " + std::string(config.isa.name) + " kernels");
  return std::make_unique<GemmConv>(spec, weight_oihw, bias, config);
}

}  // namespace ffnet::ops
