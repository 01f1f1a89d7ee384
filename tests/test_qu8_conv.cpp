// The int8 convolution op: the fast op equals the reference op bit for bit (geometries, channel
// counts around the kernels' edges, zero points, residual, ReLU, float output, every qu8 kernel
// family, 1 to 3 threads, bands), and the reference means what it says: dequantised, it is the
// float convolution of the dequantised input and weights, within half a quantisation step.
// u8 maps are channels-last: element (c, y, x) at (y * w + x) * channels + c.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "ops/gemm/kernel_table.hpp"
#include "ops/qu8_conv.hpp"
#include "ops/reference.hpp"
#include "tests/op_runner.hpp"

namespace {

using namespace ffnet;
using ops::ConvShape;

struct Case {
  ConvShape shape;
  int h, w;
  bool residual = false, relu = false, float_output = false, bias = true;
};

struct Data {
  Tensor input, residual;  // u8
  std::vector<std::int8_t> weight;
  std::vector<float> weight_scale, bias;
  ops::Qu8ConvSpec spec;
};

Data make(const Case& c, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Data d;
  const ConvShape& s = c.shape;
  d.input = Tensor({1, s.in_channels, c.h, c.w}, DType::u8);
  for (std::size_t i = 0; i < d.input.size(); ++i) d.input.data_as<std::uint8_t>()[i] = std::uint8_t(rng() % 256);
  const Dims out = ops::conv_output_dims(s, {s.in_channels, c.h, c.w});
  d.residual = Tensor({1, out.c, out.h, out.w}, DType::u8);
  for (std::size_t i = 0; i < d.residual.size(); ++i) d.residual.data_as<std::uint8_t>()[i] = std::uint8_t(rng() % 256);
  d.weight.resize(std::size_t(s.out_channels) * s.in_channels * s.kernel_h * s.kernel_w);
  for (auto& w : d.weight) w = std::int8_t(int(rng() % 255) - 127);
  const float k = float(s.in_channels * s.kernel_h * s.kernel_w);
  for (int o = 0; o < s.out_channels; ++o) {
    d.weight_scale.push_back((0.5f + float(rng() % 100) / 100.0f) / (127.0f * std::sqrt(k)));
    if (c.bias) d.bias.push_back(float(int(rng() % 200) - 100) / 100.0f);
  }
  d.spec = {.shape = s,
            .residual = c.residual,
            .relu = c.relu,
            .input = {0.02f, int(rng() % 256)},
            .residual_params = {0.015f, int(rng() % 256)},
            .output = {0.012f, c.relu ? 0 : int(rng() % 256)},
            .float_output = c.float_output};
  return d;
}


// Runs `op` on the case and returns the output bytes.
std::vector<std::uint8_t> run(const ops::Op& op, const Data& d, const Case& c, int threads) {
  const Dims in_dims = d.input.image_dims();
  const Dims out_dims = ops::conv_output_dims(c.shape, in_dims);
  std::vector<Dims> dims{in_dims};
  if (c.residual) dims.push_back(out_dims);
  const auto plan = op.reshape(dims, out_dims, threads);
  AlignedBuffer scratch(plan->scratch_bytes);
  const DType out_type = c.float_output ? DType::f32 : DType::u8;
  std::vector<std::uint8_t> out(out_dims.size() * dtype_size(out_type), 0x5A);
  std::vector<AnyView> in{AnyView(const_cast<void*>(d.input.raw()), DType::u8, in_dims)};
  if (c.residual) in.push_back(AnyView(const_cast<void*>(d.residual.raw()), DType::u8, out_dims));
  op.run(*plan, in, AnyView(out.data(), out_type, out_dims), {.threads = threads, .scratch = {scratch.data(), scratch.size()}});
  return out;
}

void check_case(const Case& c, std::uint32_t seed) {
  const ConvShape& s = c.shape;
  INFO("conv " << s.kernel_h << "x" << s.kernel_w << "/" << s.stride << " pad " << s.pad << " " << s.in_channels
               << "->" << s.out_channels << " at " << c.h << "x" << c.w << " residual=" << c.residual
               << " relu=" << c.relu << " float=" << c.float_output);
  const Data d = make(c, seed);
  const auto reference = ops::make_qu8_conv(d.spec, d.weight, d.weight_scale, d.bias, {.reference = true});
  const std::vector<std::uint8_t> want = run(*reference, d, c, 1);
  for (ops::Isa isa : ops::gemm::isas_with_distinct_qu8_kernels()) {
    INFO("isa " << isa.name);
    const auto fast = ops::make_qu8_conv(d.spec, d.weight, d.weight_scale, d.bias, {.isa = isa});
    for (int threads : {1, 2, 3}) {
      INFO("threads " << threads);
      CHECK(run(*fast, d, c, threads) == want);
    }
  }
}

ConvShape square(int in, int out, int kernel, int stride, int pad) { return {in, out, kernel, kernel, stride, pad}; }

}  // namespace

TEST_CASE("qu8 conv op: geometries, epilogues and kernel families equal the reference bit for bit") {
  std::uint32_t seed = 1;
  unsigned flags = 0;
  for (int kernel : {1, 3, 7})
    for (int stride : {1, 2})
      for (auto [h, w] : {std::pair{1, 1}, {5, 7}, {13, 17}, {9, 70}}) {
        const int pad = kernel / 2;
        if (h + 2 * pad < kernel || w + 2 * pad < kernel) continue;
        ++flags;
        check_case({square(flags % 2 ? 3 : 17, flags % 3 ? 9 : 64, kernel, stride, pad), h, w, bool(flags & 1) && stride == 1,
                    bool(flags & 2), bool(flags & 4), bool(flags & 8)},
                   seed++);
      }
  for (int in : {1, 5, 64})
    for (int out : {1, 6, 7, 13, 65}) {
      ++flags;
      check_case({square(in, out, 3, 1, 1), 6, 19, bool(flags & 1), bool(flags & 2), false}, seed++);
    }
  check_case({square(512, 19, 1, 1, 0), 8, 16, false, false, true}, seed++);  // the classifier, float out
  check_case({square(128, 128, 3, 1, 1), 16, 32, true, true, false}, seed++);  // a residual block
}

TEST_CASE("qu8 conv op: run_band equals the same rows of run") {
  const Case c{square(8, 12, 3, 2, 1), 23, 31, false, true, false};
  const Data d = make(c, 77);
  const Dims in_dims = d.input.image_dims(), out_dims = ops::conv_output_dims(c.shape, in_dims);
  for (ops::Isa isa : ops::gemm::isas_with_distinct_qu8_kernels()) {
    const auto op = ops::make_qu8_conv(d.spec, d.weight, d.weight_scale, d.bias, {.isa = isa});
    REQUIRE(op->runs_in_bands());
    const std::vector<std::uint8_t> whole = run(*op, d, c, 2);
    const std::vector<Dims> dims{in_dims};
    const auto plan = op->reshape(dims, out_dims, 2);
    AlignedBuffer scratch(plan->scratch_bytes);
    const ops::BandWindow window = op->band_window(*plan);
    for (int band : {1, 2, 5}) {
      std::vector<std::uint8_t> out(out_dims.size(), 0);
      for (int first = 0; first < out_dims.h; first += band) {
        const ops::RowRange rows{first, std::min(out_dims.h, first + band)};
        const ops::RowRange need = ops::band_input_rows(window, rows, in_dims.h);
        // The input band holds only the rows it needs; the output band only its rows (channels-last:
        // a run of rows is one block).
        const std::size_t in_row = std::size_t(in_dims.c) * in_dims.w, out_row = std::size_t(out_dims.c) * out_dims.w;
        std::vector<std::uint8_t> in_rows(in_row * (need.last - need.first));
        std::memcpy(in_rows.data(), d.input.data_as<std::uint8_t>() + need.first * in_row, in_rows.size());
        const Dims in_band{in_dims.c, need.last - need.first, in_dims.w}, out_band{out_dims.c, rows.last - rows.first, out_dims.w};
        std::vector<std::uint8_t> out_rows(out_band.size());
        op->run_band(*plan, {AnyView(in_rows.data(), DType::u8, in_band), need.first, in_dims.h},
                     {AnyView(out_rows.data(), DType::u8, out_band), rows.first, out_dims.h}, rows,
                     {.threads = 2, .scratch = {scratch.data(), scratch.size()}});
        std::memcpy(out.data() + rows.first * out_row, out_rows.data(), out_rows.size());
      }
      CHECK(out == whole);
    }
  }
}

TEST_CASE("qu8 conv reference: the float convolution of the dequantised operands, within half a step") {
  const Case c{square(16, 8, 3, 1, 1), 9, 11, true, false, false};
  const Data d = make(c, 5);
  const Dims in_dims = d.input.image_dims(), out_dims = ops::conv_output_dims(c.shape, in_dims);
  const auto reference = ops::make_qu8_conv(d.spec, d.weight, d.weight_scale, d.bias, {.reference = true});
  const std::vector<std::uint8_t> got = run(*reference, d, c, 1);
  const ops::Qu8ConvSpec& q = d.spec;
  int checked = 0;
  for (int o = 0; o < out_dims.c; ++o)
    for (int y = 0; y < out_dims.h; ++y)
      for (int x = 0; x < out_dims.w; ++x) {
        double real = d.bias[std::size_t(o)];
        for (int ch = 0; ch < 16; ++ch)
          for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx) {
              const int iy = y - 1 + ky, ix = x - 1 + kx;
              if (iy < 0 || iy >= in_dims.h || ix < 0 || ix >= in_dims.w) continue;  // a real 0
              const double xin = q.input.scale * (d.input.data_as<std::uint8_t>()[(std::size_t(iy) * in_dims.w + ix) * 16 + ch] - q.input.zero_point);
              real += xin * d.weight_scale[std::size_t(o)] * d.weight[((std::size_t(o) * 16 + ch) * 3 + ky) * 3 + kx];
            }
        const std::size_t at = (std::size_t(y) * out_dims.w + x) * out_dims.c + o;  // channels-last
        real += q.residual_params.scale * (d.residual.data_as<std::uint8_t>()[at] - q.residual_params.zero_point);
        const double want = std::clamp(real / q.output.scale + q.output.zero_point, 0.0, 255.0);
        CHECK(std::abs(double(got[at]) - want) <= 0.5 + 1e-3);
        ++checked;
      }
  CHECK(checked == int(out_dims.size()));
}
