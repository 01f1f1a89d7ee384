// Naive int8 convolution: the dot products summed element by element over the unpadded input
// (the padding reads the input's zero point), then the qu8 epilogue's arithmetic per element.
// u8 maps are channels-last (input, residual, u8 output); a float output is channel-major.
#include <vector>

#include "ffnet/core/error.hpp"
#include "ops/checks.hpp"
#include "ops/gemm/qu8_epilogue.hpp"
#include "ops/reference.hpp"

namespace ffnet::reference {
namespace {

class ReferenceQu8Conv final : public ops::Op {
 public:
  ReferenceQu8Conv(const ops::Qu8ConvSpec& spec, std::span<const std::int8_t> weight,
                   std::span<const float> weight_scale, std::span<const float> bias)
      : spec_(spec), weight_(weight.begin(), weight.end()),
        constants_(ops::qu8::conv_constants(spec, weight, weight_scale, bias)) {}

  std::unique_ptr<ops::OpPlan> reshape(std::span<const Dims> in, Dims out, int) const override {
    ops::detail::check_input_count("qu8_conv", in.size(), spec_.residual ? 2 : 1);
    ops::detail::check_same_dims("qu8_conv", "output", out, ops::conv_output_dims(spec_.shape, in[0]));
    auto plan = std::make_unique<ops::OpPlan>();
    plan->algorithm = "reference";
    return plan;
  }

  void run(const ops::OpPlan&, std::span<const AnyView> in, AnyView out, const ops::RunContext&) const override {
    const auto x = in[0].as<const std::uint8_t>();
    const ops::ConvShape& s = spec_.shape;
    const Dims od = ops::conv_output_dims(s, x.dims);
    if (!(out.dims == od) || out.dtype != output_dtype()) throw_internal("qu8_conv: output " + out.dims.str());
    ops::gemm::QuantEpilogue e = ops::qu8::epilogue(spec_, constants_);
    const auto* residual = spec_.residual ? in[1].as<const std::uint8_t>().data : nullptr;
    const int z = spec_.input.zero_point;
    const std::size_t taps = std::size_t(s.kernel_h) * std::size_t(s.kernel_w);
    for (int o = 0; o < od.c; ++o) {
      const std::int8_t* w = weight_.data() + std::size_t(o) * std::size_t(s.in_channels) * taps;
      for (int y = 0; y < od.h; ++y)
        for (int xo = 0; xo < od.w; ++xo) {
          std::int32_t dot = 0;
          for (int c = 0; c < s.in_channels; ++c)
            for (int ky = 0; ky < s.kernel_h; ++ky)
              for (int kx = 0; kx < s.kernel_w; ++kx) {
                const int iy = y * s.stride - s.pad + ky, ix = xo * s.stride - s.pad + kx;
                const int v = iy >= 0 && iy < x.dims.h && ix >= 0 && ix < x.dims.w ? x.pixel(iy, ix)[c] : z;
                dot += v * w[(std::size_t(c) * std::size_t(s.kernel_h) + std::size_t(ky)) * std::size_t(s.kernel_w) +
                             std::size_t(kx)];
              }
          // One element as a 1 x 1 tile: channel o of the epilogue's arrays, the output at (o, y, x).
          ops::gemm::QuantEpilogue one = e;
          one.correction += o;
          one.scale += o;
          one.bias += o;
          const std::size_t pixel = std::size_t(y) * std::size_t(od.w) + std::size_t(xo);
          const std::size_t at = spec_.float_output ? std::size_t(o) * od.plane() + pixel
                                                    : pixel * std::size_t(od.c) + std::size_t(o);
          if (residual) {
            one.residual = residual + pixel * std::size_t(od.c) + std::size_t(o);
            one.ld_residual = 0;
          }
          void* c = static_cast<std::byte*>(out.data) + at * (spec_.float_output ? sizeof(float) : 1);
          ops::gemm::qu8_store(one, 0, 0, dot, c, 0);
        }
    }
  }

  DType output_dtype() const override { return spec_.float_output ? DType::f32 : DType::u8; }
  std::size_t weight_bytes() const override { return weight_.size(); }

 private:
  ops::Qu8ConvSpec spec_;
  std::vector<std::int8_t> weight_;
  ops::qu8::ConvConstants constants_;
};

}  // namespace

std::unique_ptr<ops::Op> make_qu8_conv(const ops::Qu8ConvSpec& spec, std::span<const std::int8_t> weight,
                                       std::span<const float> weight_scale, std::span<const float> bias) {
  return std::make_unique<ReferenceQu8Conv>(spec, weight, weight_scale, bias);
}

}  // namespace ffnet::reference
