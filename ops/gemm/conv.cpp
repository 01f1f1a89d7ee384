// PackedConv: a convolution as one GEMM per image, C[out_channels][out pixels] =
// weights[out_channels][in_channels * kh * kw] x im2col(input), with B packed tile by tile.
#include "ops/conv.hpp"

#include <cstdint>
#include <string>

#include "ffnet/aligned_buffer.hpp"
#include "ffnet/error.hpp"
#include "ops/gemm/gemm_driver.hpp"

namespace ffnet::ops {

namespace {

// How a convolution is computed. A Winograd F(4x4, 3x3) path for stride-1 3x3 convolutions
// would be one more value here, with its own packed weights and run branch.
enum class Algorithm {
  gemm_direct,  // 1x1, stride 1, no padding: B is the input itself (channels x pixels)
  gemm_im2col,  // anything else: B = im2col(input), packed per tile
};

Algorithm choose_algorithm(const ConvShape& s) {
  if (s.kernel_h == 1 && s.kernel_w == 1 && s.stride == 1 && s.pad == 0)
    return Algorithm::gemm_direct;
  return Algorithm::gemm_im2col;
}

int gemm_k(const ConvShape& s) { return s.in_channels * s.kernel_h * s.kernel_w; }

}  // namespace

struct PackedConv::Impl {
  ConvShape shape;
  Isa isa;
  const gemm::GemmKernelInfo* kernel;
  Algorithm algorithm;
  AlignedBuffer packed_weights;
  AlignedBuffer bias;  // empty when the convolution has none

  gemm::BSource b_source(ConstView in, Dims out) const {
    if (algorithm == Algorithm::gemm_direct) return gemm::MatrixB{in.data, in.dims.plane()};
    return gemm::Im2colB{in, shape.kernel_h, shape.kernel_w, shape.stride, shape.pad, out.w};
  }
};

PackedConv::PackedConv(const ConvShape& shape, const float* weight_oihw, const float* bias,
                       Isa isa)
    : impl_(std::make_unique<Impl>()) {
  if (shape.in_channels < 1 || shape.out_channels < 1 || shape.kernel_h < 1 ||
      shape.kernel_w < 1 || shape.stride < 1 || shape.pad < 0)
    throw_internal("PackedConv: invalid convolution shape");
  if (!isa_supported(isa))
    throw_usage("PackedConv: ISA " + std::string(isa_name(isa)) + " is not supported here");
  Impl& p = *impl_;
  p.shape = shape;
  p.isa = isa;
  p.kernel = &gemm::default_gemm_kernel(isa);
  p.algorithm = choose_algorithm(shape);
  const gemm::PackedALayout layout{shape.out_channels, gemm_k(shape), p.kernel->mr,
                                   p.kernel->blocking.kc};
  p.packed_weights.resize(layout.floats());
  gemm::pack_a(weight_oihw, std::size_t(layout.k), layout, p.packed_weights.data());
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

std::size_t PackedConv::scratch_floats(Dims in, int threads) const {
  const Dims out = conv_output_dims(impl_->shape, in);
  return gemm::gemm_scratch_floats(*impl_->kernel, int(out.plane()), gemm_k(impl_->shape),
                                   threads);
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
  if (residual.data == out.data || in.data == out.data)
    throw_internal("PackedConv: the output must not alias the input or the residual");
  if (out_dims.plane() > std::size_t(INT32_MAX)) throw_input("PackedConv: image too large");

  gemm::GemmProblem problem;
  problem.m = p.shape.out_channels;
  problem.n = int(out_dims.plane());
  problem.k = gemm_k(p.shape);
  problem.packed_a = p.packed_weights.data();
  problem.b = p.b_source(in, out_dims);
  problem.out = {out.data,         out_dims.plane(), p.bias.size() ? p.bias.data() : nullptr,
                 residual.data,    out_dims.plane(), epilogue.relu};
  gemm::gemm(*p.kernel, problem, threads, scratch);
}

}  // namespace ffnet::ops
