// Add, channel concatenation and the fully connected layer (a memory-bound GEMV).
#include "ops/elementwise.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "ops/checks.hpp"
#include "ops/linear_dot.hpp"
#include "ops/reference.hpp"

namespace ffnet::ops {
namespace {

class Add final : public Op {
 public:
  std::unique_ptr<OpPlan> reshape(std::span<const Dims> in, Dims out, int) const override {
    detail::check_input_count("add", in.size(), 2);
    detail::check_same_dims("add", "second operand", in[1], in[0]);
    detail::check_same_dims("add", "output", out, in[0]);
    return Op::reshape(in, out, 1);
  }

  void run(const OpPlan&, std::span<const AnyView> in, AnyView out_view, const RunContext& ctx) const override {
    const ConstView a = in[0].as<const float>(), b = in[1].as<const float>();
    const View out = out_view.as<float>();
    // Work items of 16384 floats (64 KiB of each operand): the loop overhead is nothing next to
    // them, and there are enough for the threads to finish together on FFNet's maps.
    constexpr std::size_t kBlock = 16384;
    const std::size_t n = out.dims.size();
    const auto blocks = std::int64_t((n + kBlock - 1) / kBlock);
#pragma omp parallel for schedule(static) num_threads(ctx.threads)
    for (std::int64_t k = 0; k < blocks; ++k) {
      const std::size_t begin = std::size_t(k) * kBlock, end = std::min(n, begin + kBlock);
      const float* pa = a.data;
      const float* pb = b.data;
      float* po = out.data;
      for (std::size_t i = begin; i < end; ++i) po[i] = pa[i] + pb[i];
    }
  }
};

// Channel-major maps of any element type (float maps).
class Concat final : public Op {
 public:
  explicit Concat(DType dtype) : dtype_(dtype) {}

  std::unique_ptr<OpPlan> reshape(std::span<const Dims> in, Dims out, int) const override {
    detail::check_concat(in, out);
    return Op::reshape(in, out, 1);
  }

  // Each input's planes are copied whole, threads splitting each input's channels.
  void run(const OpPlan&, std::span<const AnyView> in, AnyView out, const RunContext& ctx) const override {
    const std::size_t element = dtype_size(dtype_), plane_bytes = out.dims.plane() * element;
    if (out.dtype != dtype_) throw_internal("concat: output of another type");
    for (const AnyView& part : in)
      if (part.dtype != dtype_) throw_internal("concat: inputs of another type");
    auto* to = static_cast<std::byte*>(out.data);
#pragma omp parallel num_threads(ctx.threads)
    {
      std::size_t first = 0;
      for (const AnyView& part : in) {
        const auto* from = static_cast<const std::byte*>(part.data);
#pragma omp for schedule(static)
        for (int c = 0; c < part.dims.c; ++c)
          std::memcpy(to + (first + std::size_t(c)) * plane_bytes, from + std::size_t(c) * plane_bytes, plane_bytes);
        first += std::size_t(part.dims.c);
      }
    }
  }

  DType output_dtype() const override { return dtype_; }

 private:
  DType dtype_;
};

// Channels-last u8 maps (sharing one scale and zero point): each output pixel is input 0's
// channels, then input 1's, ...; threads split the rows, each copying every input's part of them.
class Qu8Concat final : public Op {
 public:
  std::unique_ptr<OpPlan> reshape(std::span<const Dims> in, Dims out, int) const override {
    detail::check_concat(in, out);
    return Op::reshape(in, out, 1);
  }

  void run(const OpPlan&, std::span<const AnyView> in, AnyView out_view, const RunContext& ctx) const override {
    const auto out = out_view.as<std::uint8_t>();
    for (const AnyView& part : in) part.as<const std::uint8_t>();  // checks the types
#pragma omp parallel for schedule(static) num_threads(ctx.threads)
    for (int y = 0; y < out.dims.h; ++y) {
      std::size_t first = 0;
      for (const AnyView& part_view : in) {
        const auto part = part_view.as<const std::uint8_t>();
        copy_pixels(part.pixel(y, 0), std::size_t(part.dims.c), out.pixel(y, 0) + first, std::size_t(out.dims.c),
                    out.dims.w);
        first += std::size_t(part.dims.c);
      }
    }
  }

  DType output_dtype() const override { return DType::u8; }

 private:
  // `count` pixels of `n` bytes from `src` (packed) to every `dst_step` bytes of `dst`. FFNet's
  // widths are multiples of 16: whole 16-byte blocks, which compile to vector moves, rather
  // than a memcpy call per pixel.
  static void copy_pixels(const std::uint8_t* src, std::size_t n, std::uint8_t* dst, std::size_t dst_step,
                          int count) {
    if (n % 16 == 0) {
      for (int x = 0; x < count; ++x, src += n, dst += dst_step)
        for (std::size_t b = 0; b < n; b += 16) std::memcpy(dst + b, src + b, 16);
      return;
    }
    for (int x = 0; x < count; ++x, src += n, dst += dst_step) std::memcpy(dst, src, n);
  }
};

class Linear final : public Op {
 public:
  Linear(std::span<const float> weight, std::span<const float> bias, int in_features, int out_features)
      : weight_(weight.size()), bias_(bias.size()), in_features_(in_features), out_features_(out_features) {
    std::copy(weight.begin(), weight.end(), weight_.data());
    std::copy(bias.begin(), bias.end(), bias_.data());
  }

  std::unique_ptr<OpPlan> reshape(std::span<const Dims> in, Dims out, int) const override {
    detail::check_input_count("linear", in.size(), 1);
    detail::check_linear_views(in[0], out, in_features_, out_features_);
    return Op::reshape(in, out, 1);
  }

  void run(const OpPlan&, std::span<const AnyView> in, AnyView out, const RunContext& ctx) const override {
    const float* x = in[0].as<const float>().data;
    float* y = out.as<float>().data;
    constexpr int kGroup = 4;  // rows sharing each load of x
    const int groups = (out_features_ + kGroup - 1) / kGroup;
#pragma omp parallel for schedule(static) num_threads(ctx.threads)
    for (int g = 0; g < groups; ++g) {
      const int first = g * kGroup;
      const float* w = weight_.data() + std::size_t(first) * std::size_t(in_features_);
      dot_rows(w, std::min(kGroup, out_features_ - first), in_features_, x, y + first);
      if (bias_.size())
        for (int o = first; o < std::min(first + kGroup, out_features_); ++o) y[o] += bias_.data()[o];
    }
  }

  std::size_t weight_bytes() const override { return (weight_.size() + bias_.size()) * sizeof(float); }

 private:
  AlignedArray<float> weight_, bias_;
  int in_features_, out_features_;
};

}  // namespace

std::unique_ptr<Op> make_add(const OpConfig& config) {
  if (config.reference) return reference::make_add();
  return std::make_unique<Add>();
}

std::unique_ptr<Op> make_concat(const OpConfig& config, DType dtype) {
  if (dtype == DType::u8) return config.reference ? reference::make_qu8_concat() : std::make_unique<Qu8Concat>();
  if (config.reference && dtype == DType::f32) return reference::make_concat();
  return std::make_unique<Concat>(dtype);  // a copy: the same for the reference
}

std::unique_ptr<Op> make_linear(std::span<const float> weight, std::span<const float> bias, int in_features,
                                int out_features, const OpConfig& config) {
  detail::check_linear(weight.size(), bias.size(), in_features, out_features);
  if (config.reference) return reference::make_linear(weight, bias, in_features, out_features);
  return std::make_unique<Linear>(weight, bias, in_features, out_features);
}

}  // namespace ffnet::ops
