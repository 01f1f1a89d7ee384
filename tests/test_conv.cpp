// The convolution op (ops::make_conv) against ffnet::reference::conv2d: swept geometry, channel
// counts around the kernels' MR/NR edges, FFNet's real layer shapes at small sizes; every kernel
// family this CPU runs, exact and Winograd; 1, 2 and 3 threads bit-identical.
#include <doctest/doctest.h>

#include "ops/gemm/kernel_table.hpp"

#include <cmath>
#include <cstring>
#include <vector>

#include "ffnet/core/error.hpp"
#include "gemm_tester.hpp"
#include "ops/conv.hpp"
#include "ops/reference.hpp"
#include "tests/op_runner.hpp"

namespace {

using namespace ffnet;
using ops::ConvShape;
using test::random_floats;

struct ConvCase {
  ConvShape shape;
  int h = 1;
  int w = 1;
  bool bias = false;
  bool residual = false;
  bool relu = false;
  bool winograd = false;
};

// Winograd F(4x4, 3x3) adds the rounding of its transforms: its entries (up to 8 in A^T, 5 in
// B^T, 1/6 and 1/24 in G) scale the terms before they are summed. Measured worst case over
// these tests 4.3e-6 of the sum of |terms|; the exact path stays within kRelativeTolerance.
constexpr double kWinogradTolerance = 2e-5;

std::vector<float> absolute(std::vector<float> v) {
  for (float& x : v) x = std::abs(x);
  return v;
}

void test_conv(const ConvCase& c) {
  const ConvShape& s = c.shape;
  INFO("conv " << s.kernel_h << "x" << s.kernel_w << "/" << s.stride << " pad " << s.pad << " "
               << s.in_channels << "->" << s.out_channels << " at " << c.h << "x" << c.w
               << " bias=" << c.bias << " residual=" << c.residual << " relu=" << c.relu
               << " winograd=" << c.winograd);
  const Dims in_dims{s.in_channels, c.h, c.w};
  const Dims out_dims = ops::conv_output_dims(s, in_dims);
  const std::uint32_t seed = std::uint32_t(s.in_channels * 1000 + s.out_channels + c.h * 7 + c.w);
  const auto weight =
      random_floats(std::size_t(s.out_channels) * s.in_channels * s.kernel_h * s.kernel_w, seed);
  const auto bias = random_floats(std::size_t(s.out_channels), seed + 1);
  const auto input = random_floats(in_dims.size(), seed + 2);
  const auto residual = random_floats(out_dims.size(), seed + 3);
  const ConstView in(input.data(), in_dims);
  const ConstView residual_view = c.residual ? ConstView(residual.data(), out_dims) : ConstView();

  std::vector<float> want(out_dims.size()), scale(out_dims.size());
  reference::conv2d(s, weight.data(), c.bias ? bias.data() : nullptr, in, View{want.data(), out_dims},
                    residual_view, c.relu);
  // The error scale: the same sums over absolute values.
  const auto abs_weight = absolute(weight), abs_bias = absolute(bias);
  const auto abs_input = absolute(input), abs_residual = absolute(residual);
  reference::conv2d(s, abs_weight.data(), c.bias ? abs_bias.data() : nullptr, ConstView(abs_input.data(), in_dims),
                    View{scale.data(), out_dims},
                    c.residual ? ConstView(abs_residual.data(), out_dims) : ConstView(), false);
  const std::vector<double> want_d(want.begin(), want.end()), scale_d(scale.begin(), scale.end());

  for (ops::Isa isa : ops::gemm::isas_with_distinct_kernels(DType::f32)) {
    INFO("isa " << ops::isa_name(isa));
    const auto conv = ops::make_conv({.shape = s, .residual = c.residual, .relu = c.relu}, weight,
                                     c.bias ? std::span<const float>(bias) : std::span<const float>(),
                                     {.isa = isa, .conv_algorithm = c.winograd ? ConvAlgorithm::winograd : ConvAlgorithm::exact});
    const bool winograd = c.winograd && s.kernel_h == 3 && s.kernel_w == 3 && s.stride == 1 && s.pad == 1;
    std::vector<float> first;
    for (int threads : {1, 2, 3}) {
      const std::vector<Dims> in_dims_list = c.residual ? std::vector<Dims>{in_dims, out_dims} : std::vector<Dims>{in_dims};
      const test::PlannedOp planned(*conv, in_dims_list, out_dims, threads);
      CHECK(planned.plan().algorithm.starts_with("winograd") == winograd);
      std::vector<float> out(out_dims.size(), -9.0f);
      if (c.residual) {
        const ConstView views[] = {in, residual_view};
        planned.run(views, View{out.data(), out_dims});
      } else {
        const ConstView views[] = {in};
        planned.run(views, View{out.data(), out_dims});
      }
      if (threads == 1) {
        const double worst = test::check_close(out.data(), want_d.data(), scale_d.data(), out.size(), "conv",
                                               winograd ? kWinogradTolerance : test::kRelativeTolerance);
        CHECK(worst <= (winograd ? kWinogradTolerance : test::kRelativeTolerance));
        first = out;
      } else {
        INFO("threads " << threads);
        CHECK(std::memcmp(first.data(), out.data(), out.size() * sizeof(float)) == 0);
      }
    }
  }
}

ConvShape square(int in, int out, int kernel, int stride, int pad) {
  return {in, out, kernel, kernel, stride, pad};
}

}  // namespace

TEST_CASE("conv op: kernel sizes, strides, paddings and odd spatial sizes") {
  unsigned flags = 0;
  for (int kernel : {1, 3, 5, 7}) {
    for (int stride : {1, 2}) {
      for (int pad : {0, 1, 2, 3}) {
        for (auto [h, w] : {std::pair{1, 1}, {2, 3}, {5, 7}, {13, 17}, {33, 65}}) {
          if (h + 2 * pad < kernel || w + 2 * pad < kernel) continue;
          ++flags;
          const bool small = flags % 2 == 0;
          test_conv({square(small ? 1 : 3, small ? 5 : 17, kernel, stride, pad), h, w,
                     bool(flags & 1), bool(flags & 2), bool(flags & 4)});
        }
      }
    }
  }
}

TEST_CASE("conv op: channel counts around the microkernel edges") {
  unsigned flags = 0;
  for (int in : {1, 3, 17, 64, 65}) {
    for (int out : {1, 3, 7, 8, 9, 13, 14, 15, 17, 47, 48, 49, 64, 65}) {
      ++flags;
      test_conv({square(in, out, 3, 1, 1), 13, 17, bool(flags & 1), bool(flags & 2),
                 bool(flags & 4)});
      test_conv({square(in, out, 1, 1, 0), 5, 7, bool(flags & 2), bool(flags & 4),
                 bool(flags & 1)});
    }
  }
  test_conv({square(300, 20, 1, 1, 0), 9, 11, true, true, true});  // direct path, K > KC
}

TEST_CASE("conv op: FFNet layer shapes at small sizes") {
  const ConvCase cases[] = {
      {square(3, 64, 7, 2, 3), 64, 96, false, false, true},      // stem A
      {square(3, 32, 3, 2, 1), 48, 64, false, false, true},      // stem B conv0
      {square(32, 64, 3, 2, 1), 24, 32, false, false, true},     // stem B conv1
      {square(64, 64, 3, 1, 1), 16, 24, false, true, true},      // basic block conv2 + shortcut
      {square(64, 128, 3, 2, 1), 16, 24, false, false, true},    // first block of a stage
      {square(64, 128, 1, 2, 0), 16, 24, false, false, false},   // its downsample
      {square(256, 256, 3, 1, 1), 4, 6, false, true, true},      // layer3
      {square(512, 512, 3, 1, 1), 3, 5, false, true, true},      // layer4: K = 4608
      {square(256, 64, 1, 1, 0), 8, 8, false, false, true},      // bottleneck conv1
      {square(64, 256, 1, 1, 0), 8, 8, false, true, true},       // bottleneck conv3
      {square(512, 128, 1, 1, 0), 4, 6, false, false, true},     // adapter
      {square(512, 512, 3, 1, 1), 6, 10, true, false, true},     // seg head A
      {square(512, 19, 1, 1, 0), 6, 10, true, false, false},     // seg head A last conv
      {square(256, 19, 3, 1, 1), 6, 10, true, false, false},     // seg head B last conv
      {square(1024, 2048, 1, 1, 0), 3, 3, true, false, true},    // classification final layer
  };
  for (const ConvCase& c : cases) test_conv(c);
}

TEST_CASE("conv op, Winograd: odd and tiny sizes, channel edges, epilogues, every ISA") {
  unsigned flags = 0;
  // Maps smaller than a tile, not multiples of 4, one tile row or column, and wide enough
  // for tile groups that stay in one tile row (>= 64 columns) and that do not.
  for (auto [h, w] : {std::pair{1, 1}, {2, 3}, {4, 4}, {5, 7}, {3, 70}, {13, 17}, {9, 64},
                      {8, 260}, {33, 65}, {70, 3}}) {
    for (auto [in, out] : {std::pair{1, 1}, {3, 7}, {17, 13}, {64, 65}}) {
      ++flags;
      test_conv({square(in, out, 3, 1, 1), h, w, bool(flags & 1), bool(flags & 2),
                 bool(flags & 4), true});
    }
  }
  // More than one K block (kc 128) and many output channel panels.
  test_conv({square(300, 50, 3, 1, 1), 9, 11, true, true, true, true});
  test_conv({square(256, 19, 3, 1, 1), 12, 20, true, false, false, true});
  test_conv({square(288, 256, 3, 1, 1), 8, 68, true, false, true, true});
  // 600 tiles, 10 blocks of 64: 2 threads take whole blocks, 3 share each block (fewer than 4
  // blocks per thread); both must match 1 thread bit for bit.
  test_conv({square(8, 9, 3, 1, 1), 80, 120, true, true, true, true});
  // Shapes Winograd does not apply to fall back to the exact path.
  test_conv({square(8, 8, 3, 2, 1), 9, 11, false, false, true, true});
  test_conv({square(8, 8, 1, 1, 0), 9, 11, false, false, true, true});
}

TEST_CASE("conv op: refuses mismatched shapes and too little scratch") {
  const ConvShape s = square(2, 3, 3, 1, 1);
  const std::vector<float> weight(2 * 3 * 9, 0.5f);
  const auto conv = ops::make_conv({.shape = s}, weight, {}, {.isa = ops::Isa::scalar});
  const std::vector<Dims> in_dims{{2, 4, 4}};
  CHECK_THROWS_AS(conv->reshape(in_dims, {3, 4, 3}, 1), ffnet::Error);           // wrong output
  CHECK_THROWS_AS(conv->reshape({{{2, 4, 4}, {3, 4, 4}}}, {3, 4, 4}, 1), ffnet::Error);  // a residual it has not
  const auto plan = conv->reshape(in_dims, {3, 4, 4}, 1);
  std::vector<float> input(2 * 4 * 4), out(3 * 4 * 4);
  const AnyView inputs[] = {ConstView(input.data(), {2, 4, 4})};
  std::byte one[1];
  CHECK_THROWS_AS(conv->run(*plan, inputs, View{out.data(), {3, 4, 4}}, {.threads = 1, .scratch = {one, 1}}),
                  ffnet::Error);
  CHECK_THROWS_AS(ops::make_conv({.shape = s}, std::span<const float>(weight.data(), 5), {}, {}), ffnet::Error);
}
