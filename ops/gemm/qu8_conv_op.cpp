// The fast int8 convolution op: the qu8 indirect GEMM (qu8_igemm_driver.hpp) reading the
// channels-last u8 input in place, weights packed once at create for the kernel's NR, the
// epilogue's constants precomputed.
#include <algorithm>
#include <string>

#include "ffnet/core/aligned_buffer.hpp"
#include "ffnet/core/error.hpp"
#include "ops/checks.hpp"
#include "ops/gemm/conv_gemm.hpp"
#include "ops/gemm/qu8_igemm_driver.hpp"
#include "ops/qu8_conv.hpp"
#include "ops/reference.hpp"

namespace ffnet::ops {

namespace qu8 {

ConvConstants conv_constants(const Qu8ConvSpec& spec, std::span<const std::int8_t> weight,
                             std::span<const float> weight_scale, std::span<const float> bias) {
  const int m = spec.shape.out_channels, k = gemm::conv_gemm_k(spec.shape);
  ConvConstants c;
  c.weight_sum.resize(std::size_t(m));
  gemm::qu8_channel_sums(weight.data(), m, std::size_t(k), c.weight_sum.data());
  for (std::int32_t sum : c.weight_sum) c.correction.push_back(sum * spec.input.zero_point);
  for (int o = 0; o < m; ++o) {
    c.scale.push_back(spec.input.scale * weight_scale[std::size_t(o)]);
    c.bias.push_back(bias.empty() ? 0.0f : bias[std::size_t(o)]);
  }
  return c;
}

gemm::QuantEpilogue epilogue(const Qu8ConvSpec& spec, const ConvConstants& c) {
  return {.correction = c.correction.data(),
          .weight_sum = c.weight_sum.data(),
          .scale = c.scale.data(),
          .bias = c.bias.data(),
          .residual_scale = spec.residual_params.scale,
          .residual_zero = spec.residual_params.zero_point,
          .relu = spec.relu,
          .float_output = spec.float_output,
          .out_inverse_scale = spec.output.inverse_scale(),
          .out_zero = spec.output.zero_point};
}

}  // namespace qu8

namespace {

struct Qu8ConvPlan : OpPlan {};

class Qu8Conv final : public Op {
 public:
  Qu8Conv(const Qu8ConvSpec& spec, std::span<const std::int8_t> weight, std::span<const float> weight_scale,
          std::span<const float> bias, const OpConfig& config)
      : spec_(spec), kernel_(gemm::default_qu8_igemm_kernel(config.isa)),
        layout_(gemm::qu8_igemm_weight_layout(spec.shape.out_channels, spec.shape.in_channels,
                                              spec.shape.kernel_h * spec.shape.kernel_w, kernel_.nr)),
        constants_(qu8::conv_constants(spec, weight, weight_scale, bias)) {
    packed_.resize(layout_.bytes());
    gemm::qu8_igemm_pack_weights(weight.data(), spec.shape.in_channels, layout_, packed_.data());
  }

  std::unique_ptr<OpPlan> reshape(std::span<const Dims> in, Dims out, int threads) const override {
    detail::check_input_count("qu8_conv", in.size(), spec_.residual ? 2 : 1);
    detail::check_threads("qu8_conv", threads);
    detail::check_same_dims("qu8_conv", "output", out, conv_output_dims(spec_.shape, in[0]));
    if (spec_.residual) detail::check_same_dims("qu8_conv", "residual", in[1], out);
    if (out.plane() > std::size_t(INT32_MAX)) throw_input("convolution: image too large");
    auto plan = std::make_unique<Qu8ConvPlan>();
    plan->algorithm = std::string(kernel_.name);
    plan->scratch_bytes = gemm::qu8_igemm_scratch_bytes(
        kernel_, spec_.shape.in_channels, spec_.shape.kernel_h * spec_.shape.kernel_w, spec_.float_output, threads);
    return plan;
  }

  void run(const OpPlan& plan, std::span<const AnyView> in, AnyView out, const RunContext& ctx) const override {
    const auto x = in[0].as<const std::uint8_t>();
    const BasicView<const std::uint8_t> residual =
        spec_.residual ? in[1].as<const std::uint8_t>() : BasicView<const std::uint8_t>();
    if (in[0].data == out.data || (residual.data != nullptr && residual.data == out.data))
      throw_internal("qu8_conv: the output must not alias the input or the residual");
    run_rows(plan, {x, 0, x.dims.h}, {out, 0, out.dims.h}, {0, out.dims.h}, residual.data, ctx);
  }

  DType output_dtype() const override { return spec_.float_output ? DType::f32 : DType::u8; }
  std::size_t weight_bytes() const override {
    return packed_.size() + constants_.correction.size() * (2 * sizeof(std::int32_t) + 2 * sizeof(float));
  }

  bool runs_in_bands() const override { return !spec_.residual; }
  BandWindow band_window(const OpPlan&) const override {
    return {spec_.shape.kernel_h, spec_.shape.stride, spec_.shape.pad, 1};
  }
  void run_band(const OpPlan& plan, AnyBand in, AnyBand out, RowRange rows, const RunContext& ctx) const override {
    const auto x = band_as<const std::uint8_t>(in);
    const Dims full_out = conv_output_dims(spec_.shape, {x.view.dims.c, x.height, x.view.dims.w});
    if (spec_.residual || out.view.dims.c != full_out.c || out.view.dims.w != full_out.w ||
        out.height != full_out.h || rows.first < out.row0 || rows.last > out.row0 + out.view.dims.h ||
        rows.first >= rows.last)
      throw_internal("qu8_conv::run_band: output rows do not fit " + full_out.str());
    const RowRange need = band_input_rows(band_window(plan), rows, x.height);
    if (need.first < x.row0 || need.last > x.row0 + x.view.dims.h)
      throw_internal("qu8_conv::run_band: the input band lacks rows the output band needs");
    run_rows(plan, x, out, rows, nullptr, ctx);
  }

 private:
  void run_rows(const OpPlan& plan, BasicBand<BasicView<const std::uint8_t>> in, AnyBand out, RowRange rows,
                const std::uint8_t* residual, const RunContext& ctx) const {
    if (ctx.scratch.size() < plan.scratch_bytes) throw_internal("qu8_conv: scratch too small for the plan");
    if (out.view.dtype != output_dtype()) throw_internal("qu8_conv: output of the wrong type");
    const int out_w = out.view.dims.w;
    gemm::QuantEpilogue e = qu8::epilogue(spec_, constants_);
    e.residual = residual;
    e.ld_residual = std::size_t(spec_.shape.out_channels);
    const gemm::Qu8IgemmProblem problem{
        .in = {.input = in.view, .row0 = in.row0, .height = in.height, .kernel_h = spec_.shape.kernel_h,
               .kernel_w = spec_.shape.kernel_w, .stride = spec_.shape.stride, .pad = spec_.shape.pad,
               .zero_point = std::uint8_t(spec_.input.zero_point)},
        .out_w = out_w,
        .pixel0 = rows.first * out_w,
        .pixels = (rows.last - rows.first) * out_w,
        .packed = packed_.data(),
        .weights = layout_,
        .c = out.view.data,
        .ldc = spec_.float_output ? out.view.dims.plane() : std::size_t(spec_.shape.out_channels),
        .c_pixel0 = out.row0 * out_w,
        .epilogue = e};
    gemm::qu8_igemm(kernel_, problem, ctx.threads, ctx.scratch);
  }

  Qu8ConvSpec spec_;
  const gemm::Qu8IgemmKernelInfo& kernel_;
  gemm::Qu8WeightLayout layout_;
  qu8::ConvConstants constants_;
  AlignedArray<std::int8_t> packed_;
};

}  // namespace

std::unique_ptr<Op> make_qu8_conv(const Qu8ConvSpec& spec, std::span<const std::int8_t> weight,
                                  std::span<const float> weight_scale, std::span<const float> bias,
                                  const OpConfig& config) {
  const ConvShape& s = spec.shape;
  if (s.in_channels < 1 || s.out_channels < 1 || s.kernel_h < 1 || s.kernel_w < 1 || s.stride < 1 || s.pad < 0)
    throw_internal("qu8_conv: invalid convolution shape");
  if (weight.size() != std::size_t(s.out_channels) * std::size_t(gemm::conv_gemm_k(s)) ||
      weight_scale.size() != std::size_t(s.out_channels) || (!bias.empty() && bias.size() != std::size_t(s.out_channels)))
    throw_internal("qu8_conv: weights do not match the shape");
  for (const QuantParams* q : {&spec.input, &spec.residual_params, &spec.output})
    if (!(q->scale > 0) || q->zero_point < 0 || q->zero_point > 255) throw_internal("qu8_conv: invalid quantisation");
  if (config.reference) return reference::make_qu8_conv(spec, weight, weight_scale, bias);
  if (!isa_supported(config.isa))
    throw_usage("qu8_conv: this CPU cannot run the " + std::string(config.isa.name) + " kernels");
  return std::make_unique<Qu8Conv>(spec, weight, weight_scale, bias, config);
}

}  // namespace ffnet::ops
