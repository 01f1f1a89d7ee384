// PackedConv: a convolution as one GEMM per image, C[out_channels][out pixels] =
// weights[out_channels][in_channels * kh * kw] x im2col(input), with B packed tile by tile.
#include "ops/conv.hpp"

#include <cstdint>
#include <string>

#include "ffnet/core/aligned_buffer.hpp"
#include "ffnet/core/error.hpp"
#include "ops/gemm/conv_gemm.hpp"
#include "ops/gemm/winograd.hpp"

namespace ffnet::ops {

struct PackedConv::Impl {
  // How the convolution is computed; packed_weights holds that algorithm's layout only.
  enum class Algorithm {
    gemm,      // packed weights x B, B packed per tile from the input (see conv_b_source)
    winograd,  // F(4x4, 3x3): 36 packed transformed weight matrices (see winograd.hpp)
  };

  ConvShape shape;
  Isa isa;
  const gemm::GemmKernelInfo* kernel;
  Algorithm algorithm;
  AlignedArray<float> packed_weights;
  AlignedArray<float> bias;  // empty when the convolution has none

  void run_gemm(ConstView in, View out, const ConvEpilogue& epilogue, int threads,
                std::span<float> scratch) const;
  const float* bias_or_null() const { return bias.size() ? bias.data() : nullptr; }
};

PackedConv::PackedConv(const ConvShape& shape, const float* weight_oihw, const float* bias,
                       Isa isa, const ConvOptions& options)
    : impl_(std::make_unique<Impl>()) {
  if (shape.in_channels < 1 || shape.out_channels < 1 || shape.kernel_h < 1 ||
      shape.kernel_w < 1 || shape.stride < 1 || shape.pad < 0)
    throw_internal("PackedConv: invalid convolution shape");
  if (!isa_supported(isa))
    throw_usage("PackedConv: ISA " + std::string(isa_name(isa)) + " is not supported here");
  Impl& p = *impl_;
  p.shape = shape;
  p.isa = isa;
  p.kernel = &gemm::default_gemm_kernel(DType::f32, isa);
  if (options.winograd && gemm::winograd_applies(shape)) {
    p.algorithm = Impl::Algorithm::winograd;
    p.packed_weights.resize(gemm::winograd_weight_floats(*p.kernel, shape));
    gemm::winograd_pack_weights(*p.kernel, shape, weight_oihw, p.packed_weights.data());
  } else {
    p.algorithm = Impl::Algorithm::gemm;
    const gemm::PackedALayout layout =
        gemm::packed_a_layout(*p.kernel, shape.out_channels, gemm::conv_gemm_k(shape));
    p.packed_weights.resize(layout.floats());
    gemm::pack_a(weight_oihw, std::size_t(layout.k), layout, p.packed_weights.data());
  }
  if (bias != nullptr) {
    p.bias.resize(std::size_t(shape.out_channels));
    for (int o = 0; o < shape.out_channels; ++o) p.bias.data()[o] = bias[o];
  }
}

PackedConv::~PackedConv() = default;
PackedConv::PackedConv(PackedConv&&) noexcept = default;
PackedConv& PackedConv::operator=(PackedConv&&) noexcept = default;

const ConvShape& PackedConv::shape() const { return impl_->shape; }
Isa PackedConv::isa() const { return impl_->isa; }
bool PackedConv::uses_winograd() const { return impl_->algorithm == Impl::Algorithm::winograd; }
std::size_t PackedConv::weight_bytes() const {
  return (impl_->packed_weights.size() + impl_->bias.size()) * sizeof(float);
}

std::size_t PackedConv::scratch_floats(Dims in, int threads) const {
  const Dims out = conv_output_dims(impl_->shape, in);
  if (uses_winograd()) return gemm::winograd_scratch_floats(*impl_->kernel, impl_->shape, out, threads);
  const int n = int(out.plane());
  return gemm::gemm_scratch_floats(gemm::kernel_for_columns(*impl_->kernel, n, impl_->isa), n,
                                   gemm::conv_gemm_k(impl_->shape), threads);
}

void PackedConv::run(ConstView in, View out, const ConvEpilogue& epilogue, int threads,
                     std::span<float> scratch) const {
  const Impl& p = *impl_;
  const Dims out_dims = conv_output_dims(p.shape, in.dims);
  if (!(out.dims == out_dims))
    throw_internal("PackedConv: output is " + out.dims.str() + ", expected " + out_dims.str());
  const ConstView residual = epilogue.residual;
  if (residual.data != nullptr && !(residual.dims == out_dims))
    throw_internal("PackedConv: residual is " + residual.dims.str() + ", expected " +
                   out_dims.str());
  if ((residual.data != nullptr && residual.data == out.data) || in.data == out.data)
    throw_internal("PackedConv: the output must not alias the input or the residual");
  if (out_dims.plane() > std::size_t(INT32_MAX)) throw_input("PackedConv: image too large");

  switch (p.algorithm) {
    case Impl::Algorithm::gemm: return p.run_gemm(in, out, epilogue, threads, scratch);
    case Impl::Algorithm::winograd:
      return gemm::winograd_conv(*p.kernel, p.isa, p.shape, p.packed_weights.data(), p.bias_or_null(),
                                 {in, 0, in.dims.h}, {out, 0, out.dims.h}, {0, out.dims.h},
                                 epilogue, threads, scratch);
  }
}

int PackedConv::band_row_alignment() const { return uses_winograd() ? 4 : 1; }

RowRange PackedConv::band_input_rows(RowRange rows, int in_height) const {
  const ConvShape& s = impl_->shape;
  if (uses_winograd()) return gemm::winograd_input_rows(rows, in_height);
  return input_rows(rows.first, rows.last, s.kernel_h, s.stride, s.pad, in_height);
}

void PackedConv::run_band(ConstBand in, Band out, RowRange rows, bool relu, int threads,
                          std::span<float> scratch) const {
  const Impl& p = *impl_;
  const Dims full_in{in.view.dims.c, in.height, in.view.dims.w};
  const Dims full_out = conv_output_dims(p.shape, full_in);
  if (out.view.dims.c != full_out.c || out.view.dims.w != full_out.w || out.height != full_out.h ||
      rows.first < out.row0 || rows.last > out.row0 + out.view.dims.h || rows.first >= rows.last ||
      rows.first % band_row_alignment() != 0)
    throw_internal("PackedConv::run_band: output rows do not fit " + full_out.str());
  const RowRange need = band_input_rows(rows, in.height);
  if (need.first < in.row0 || need.last > in.row0 + in.view.dims.h)
    throw_internal("PackedConv::run_band: the input band lacks rows the output band needs");
  if (p.algorithm == Impl::Algorithm::winograd)
    return gemm::winograd_conv(*p.kernel, p.isa, p.shape, p.packed_weights.data(), p.bias_or_null(), in,
                               out, rows, {{}, relu}, threads, scratch);
  gemm::GemmProblem problem;
  problem.m = p.shape.out_channels;
  problem.n0 = rows.first * full_out.w;
  problem.n = (rows.last - rows.first) * full_out.w;
  problem.k = gemm::conv_gemm_k(p.shape);
  problem.packed_a = p.packed_weights.data();
  problem.b = gemm::Im2colB{in.view, p.shape.kernel_h, p.shape.kernel_w, p.shape.stride,
                            p.shape.pad, full_out.w, in.row0, in.height};
  problem.out = {out.view.data, out.view.dims.plane(), p.bias_or_null(), nullptr, 0, relu,
                 std::size_t(out.row0) * std::size_t(full_out.w)};
  gemm::gemm(gemm::kernel_for_columns(*p.kernel, problem.n, p.isa), problem, threads, scratch);
}

void PackedConv::Impl::run_gemm(ConstView in, View out, const ConvEpilogue& epilogue,
                                int threads, std::span<float> scratch) const {
  gemm::GemmProblem problem;
  problem.m = shape.out_channels;
  problem.n = int(out.dims.plane());
  problem.k = gemm::conv_gemm_k(shape);
  problem.packed_a = packed_weights.data();
  problem.b = gemm::conv_b_source(shape, in, out.dims);
  problem.out = {out.data, out.dims.plane(), bias_or_null(),
                 epilogue.residual.data, out.dims.plane(), epilogue.relu};
  gemm::gemm(gemm::kernel_for_columns(*kernel, problem.n, isa), problem, threads, scratch);
}

}  // namespace ffnet::ops
