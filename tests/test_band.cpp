// Band-wise execution (ops/band.hpp, Op::run_band): a convolution or max-pool run on a
// horizontal band of rows, from a copy of only the input rows that band needs, gives exactly
// (bit for bit) the same rows as the whole-map run, for every band height, thread count and ISA.
#include <doctest/doctest.h>

#include "ops/gemm/kernel_table.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "gemm_tester.hpp"
#include "ops/band.hpp"
#include "ops/conv.hpp"
#include "ops/pooling.hpp"
#include "tests/op_runner.hpp"

namespace {

using namespace ffnet;
using ops::RowRange;

// Rows [rows.first, rows.last) of `map` copied out: the band holds nothing else.
std::vector<float> copy_rows(const std::vector<float>& map, Dims dims, RowRange rows) {
  const int h = rows.last - rows.first;
  std::vector<float> band(std::size_t(dims.c) * std::size_t(h) * std::size_t(dims.w));
  for (int c = 0; c < dims.c; ++c)
    std::copy_n(map.data() + (std::size_t(c) * dims.h + rows.first) * dims.w,
                std::size_t(h) * dims.w, band.data() + std::size_t(c) * h * dims.w);
  return band;
}

// Runs `band_fn(in_band, out_band, rows)` over consecutive output bands of `band_h` rows and
// checks each against the same rows of `whole`; the input band holds `need_fn(rows)`.
template <class NeedFn, class BandFn>
void check_bands(const std::vector<float>& input, Dims in_dims, const std::vector<float>& whole,
                 Dims out_dims, int band_h, NeedFn need_fn, BandFn band_fn) {
  INFO("band height " << band_h);
  for (int first = 0; first < out_dims.h; first += band_h) {
    const RowRange rows{first, std::min(out_dims.h, first + band_h)};
    const RowRange need = need_fn(rows);
    const std::vector<float> in_copy = copy_rows(input, in_dims, need);
    const Dims in_band{in_dims.c, need.last - need.first, in_dims.w};
    const Dims out_band{out_dims.c, rows.last - rows.first, out_dims.w};
    std::vector<float> out(out_band.size(), -7.0f);
    band_fn(ops::ConstBand{ConstView(in_copy.data(), in_band), need.first, in_dims.h},
            ops::Band{View{out.data(), out_band}, rows.first, out_dims.h}, rows);
    const std::vector<float> want = copy_rows(whole, out_dims, rows);
    INFO("rows " << rows.first << ".." << rows.last);
    CHECK(std::memcmp(out.data(), want.data(), want.size() * sizeof(float)) == 0);
  }
}

void test_conv_bands(const ops::ConvShape& s, int h, int w, bool relu, bool winograd = false) {
  INFO("conv " << s.kernel_h << "/" << s.stride << " " << s.in_channels << "->"
               << s.out_channels << " at " << h << "x" << w << " winograd " << winograd);
  const Dims in_dims{s.in_channels, h, w};
  const Dims out_dims = ops::conv_output_dims(s, in_dims);
  const auto weight = test::random_floats(
      std::size_t(s.out_channels) * s.in_channels * s.kernel_h * s.kernel_w, 11);
  const auto bias = test::random_floats(std::size_t(s.out_channels), 12);
  const auto input = test::random_floats(in_dims.size(), 13);
  for (ops::Isa isa : ops::gemm::isas_with_distinct_kernels(DType::f32)) {
    INFO("isa " << ops::isa_name(isa));
    const auto conv = ops::make_conv({.shape = s, .relu = relu}, weight, bias,
                                     {.isa = isa, .conv_algorithm = winograd ? ConvAlgorithm::winograd : ConvAlgorithm::exact});
    REQUIRE(conv->runs_in_bands());
    // Winograd bands start on whole 4-row tiles.
    const std::vector<int> heights = winograd ? std::vector<int>{4, 8, 12, out_dims.h}
                                              : std::vector<int>{1, 2, 3, 5, out_dims.h};
    for (int threads : {1, 2, 3}) {
      const std::vector<Dims> in_list{in_dims};
      const test::PlannedOp planned(*conv, in_list, out_dims, threads);
      const ops::BandWindow window = conv->band_window(planned.plan());
      REQUIRE(window.alignment == (winograd ? 4 : 1));
      std::vector<float> whole(out_dims.size());
      const ConstView in_view(input.data(), in_dims);
      planned.run({&in_view, 1}, View{whole.data(), out_dims});
      for (int band_h : heights)
        check_bands(input, in_dims, whole, out_dims, band_h,
                    [&](RowRange rows) { return ops::band_input_rows(window, rows, in_dims.h); },
                    [&](ops::ConstBand in, ops::Band out, RowRange rows) { planned.run_band(in, out, rows); });
    }
  }
}

}  // namespace

TEST_CASE("conv op: run_band equals the same rows of run") {
  test_conv_bands({3, 64, 7, 7, 2, 3}, 37, 45, true);   // stem A
  test_conv_bands({3, 32, 3, 3, 2, 1}, 30, 41, true);   // stem B conv0
  test_conv_bands({32, 64, 3, 3, 2, 1}, 19, 22, true);  // stem B conv1
  test_conv_bands({3, 64, 3, 3, 2, 1}, 9, 64, false);   // stem C conv0
  test_conv_bands({5, 7, 3, 3, 1, 1}, 11, 13, true);    // stride 1
  test_conv_bands({4, 9, 1, 1, 1, 0}, 6, 7, false);     // 1x1
  // Winograd: heights not a multiple of 4, maps of one and of several 64-tile blocks per band
  // (threads share a block, or take whole ones), and FFNet's head tail (3x3 into 3x3 to 19).
  test_conv_bands({5, 7, 3, 3, 1, 1}, 11, 13, true, true);
  test_conv_bands({6, 19, 3, 3, 1, 1}, 18, 9, false, true);
  test_conv_bands({3, 8, 3, 3, 1, 1}, 23, 300, true, true);
  test_conv_bands({24, 19, 3, 3, 1, 1}, 16, 70, false, true);
}

TEST_CASE("max_pool op: run_band equals the same rows of run") {
  const ops::MaxPoolShape s{3, 2, 1};
  for (auto [h, w] : {std::pair{1, 1}, {2, 5}, {17, 23}, {32, 40}}) {
    const Dims in_dims{3, h, w};
    const Dims out_dims = ops::max_pool_output_dims(s, in_dims);
    const auto input = test::random_floats(in_dims.size(), std::uint32_t(h * 100 + w));
    const auto pool = ops::make_max_pool(s, test::fast_ops());
    for (int threads : {1, 2}) {
      const std::vector<Dims> in_list{in_dims};
      const test::PlannedOp planned(*pool, in_list, out_dims, threads);
      std::vector<float> whole(out_dims.size());
      const ConstView in_view(input.data(), in_dims);
      planned.run({&in_view, 1}, View{whole.data(), out_dims});
      const ops::BandWindow window = pool->band_window(planned.plan());
      for (int band_h : {1, 2, 3, out_dims.h})
        check_bands(input, in_dims, whole, out_dims, band_h,
                    [&](RowRange rows) { return ops::band_input_rows(window, rows, in_dims.h); },
                    [&](ops::ConstBand in, ops::Band out, RowRange rows) { planned.run_band(in, out, rows); });
    }
  }
}
