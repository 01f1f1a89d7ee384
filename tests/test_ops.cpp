// Fast ops against the naive references over swept shapes; results must not depend on the
// thread count (bit for bit), and impossible arguments must throw the right kind of error.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <vector>

#include "ffnet/core/error.hpp"
#include "ffnet/core/tensor.hpp"
#include "op_compare.hpp"
#include "op_runner.hpp"
#include "ops/elementwise.hpp"
#include "ops/pooling.hpp"
#include "ops/reference.hpp"
#include "ops/resize.hpp"
#include "ops/smoothing.hpp"

using ffnet::ConstView;
using ffnet::Dims;
using ffnet::ErrorKind;
using ffnet::Tensor;
namespace ops = ffnet::ops;
namespace reference = ffnet::reference;

namespace {

ops::OpConfig fast() { return ffnet::test::fast_ops(); }

constexpr double kOneUlp = 0x1p-23;  // tolerances as multiples of max(1, max |reference|)
constexpr double kFloatSums = 1e-6;
constexpr double kBilinear = 1e-6;

Tensor random_tensor(std::vector<std::int64_t> shape, unsigned seed) {
  Tensor t(std::move(shape));
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = normal(rng);
  return t;
}

Tensor random_image(Dims d, unsigned seed) { return random_tensor({1, d.c, d.h, d.w}, seed); }

Tensor image(Dims d) { return Tensor({1, d.c, d.h, d.w}); }

bool bit_identical(const Tensor& a, const Tensor& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Runs fast(out, threads) for 1, 2 and 3 threads into tensors shaped like `want`; CHECKs that
// all three agree bit for bit and that they are within tolerance of `want`.
void check_fast(const std::string& what, const Tensor& want, double tolerance,
                const std::function<void(Tensor&, int)>& fast) {
  Tensor one(want.shape());
  fast(one, 1);
  ffnet::test::check_close(what, one.data(), want.data(), want.size(), tolerance);
  for (int threads : {2, 3}) {
    Tensor many(want.shape());
    fast(many, threads);
    INFO(what << " with " << threads << " threads");
    CHECK(bit_identical(one, many));
  }
}

template <class F>
void check_throws_kind(F&& f, ErrorKind kind) {
  try {
    f();
    FAIL("no exception");
  } catch (const ffnet::Error& e) {
    INFO(e.what());
    CHECK(e.kind() == kind);
  }
}

}  // namespace

TEST_CASE("ops: max_pool matches the reference exactly") {
  const ops::MaxPoolShape shapes[] = {{3, 2, 1}, {2, 2, 0}, {3, 1, 1}, {5, 3, 2}, {1, 1, 0}, {4, 2, 2}};
  unsigned seed = 1;
  for (const auto& s : shapes)
    for (int c : {1, 3, 8})
      for (int h : {1, 2, 3, 5, 8, 13, 32})
        for (int w : {1, 2, 4, 7, 33}) {
          const Dims in{c, h, w};
          if (h + 2 * s.pad < s.kernel || w + 2 * s.pad < s.kernel) {
            check_throws_kind([&] { ops::max_pool_output_dims(s, in); }, ErrorKind::input);
            continue;
          }
          const Tensor x = random_image(in, seed++);
          Tensor want = image(ops::max_pool_output_dims(s, in));
          reference::max_pool(s, x.image(0), want.image(0));
          check_fast("max_pool " + in.str() + " k" + std::to_string(s.kernel), want, 0,
                     [&](Tensor& out, int t) { ffnet::test::run_op(*ops::make_max_pool(s, fast()), {x.image(0)}, out.image(0), t); });
        }
}

TEST_CASE("ops: max_pool output size, padding and NaN") {
  const ops::MaxPoolShape stem{3, 2, 1};
  CHECK(ops::max_pool_output_dims(stem, {64, 512, 1024}) == Dims{64, 256, 512});
  CHECK(ops::max_pool_output_dims(stem, {64, 255, 511}) == Dims{64, 128, 256});
  CHECK(ops::max_pool_output_dims(stem, {1, 1, 1}) == Dims{1, 1, 1});
  check_throws_kind([] { ops::max_pool_output_dims({3, 2, 2}, {1, 8, 8}); }, ErrorKind::internal);
  check_throws_kind([] { ops::max_pool_output_dims({3, 0, 1}, {1, 8, 8}); }, ErrorKind::internal);

  Tensor x({1, 1, 3, 4});
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = -1.0f - float(i);
  x.data()[6] = std::numeric_limits<float>::quiet_NaN();  // row 1, column 2
  Tensor fast({1, 1, 2, 2}), ref({1, 1, 2, 2});
  ffnet::test::run_op(*ops::make_max_pool(stem, ::fast()), {x.image(0)}, fast.image(0), 1);
  reference::max_pool(stem, x.image(0), ref.image(0));
  for (const Tensor* t : {&fast, &ref}) {
    CHECK(t->data()[0] == -1.0f);  // negative values beat the padding
    CHECK(std::isnan(t->data()[1]));
    CHECK(t->data()[2] == -5.0f);
    CHECK(std::isnan(t->data()[3]));
  }
}

TEST_CASE("ops: global_average_pool") {
  unsigned seed = 100;
  for (Dims in : {Dims{1, 1, 1}, Dims{3, 7, 7}, Dims{2048, 7, 7}, Dims{5, 13, 17}, Dims{2, 300, 301}}) {
    const Tensor x = random_tensor({1, in.c, in.h, in.w}, seed++);
    Tensor want({1, in.c, 1, 1});
    reference::global_average_pool(x.image(0), want.data());
    check_fast("global_average_pool " + in.str(), want, kOneUlp, [&](Tensor& out, int t) {
      ffnet::test::run_op(*ops::make_global_average_pool(fast()), {x.image(0)}, out.image(0), t);
    });
  }
}

TEST_CASE("ops: resize matches the reference for every size pair") {
  // (in, out) pairs per axis: equal, 1-pixel, up, down, non-integer ratios
  const std::pair<int, int> axes[] = {{1, 1}, {1, 5}, {5, 1}, {2, 3}, {3, 2}, {4, 8}, {8, 4},
                                      {7, 7}, {13, 50}, {50, 13}, {16, 64}, {3, 97}};
  unsigned seed = 200;
  for (auto [in_h, out_h] : axes)
    for (auto [in_w, out_w] : axes)
      for (auto mode : {ops::ResizeMode::bilinear_align_corners, ops::ResizeMode::nearest})
        for (bool with_add : {false, true}) {
          const Dims in{3, in_h, in_w}, out{3, out_h, out_w};
          const Tensor x = random_image(in, seed++);
          const Tensor extra = random_image(out, seed++);
          const ConstView add = with_add ? extra.image(0) : ConstView{};
          Tensor want = image(out);
          reference::resize(mode, x.image(0), want.image(0), add);
          const bool nearest = mode == ops::ResizeMode::nearest;
          check_fast(std::string(nearest ? "nearest " : "bilinear ") + in.str() + " -> " + out.str() +
                         (with_add ? " + add" : ""),
                     want, nearest ? 0 : kBilinear,
                     [&](Tensor& o, int t) {
                       const auto op = ops::make_resize(mode, fast());
                       if (with_add) ffnet::test::run_op(*op, {x.image(0), add}, o.image(0), t);
                       else ffnet::test::run_op(*op, {x.image(0)}, o.image(0), t);
                     });
        }
}

TEST_CASE("ops: resize index rules") {
  // A 1 x 1 x 1 x n ramp resized to 1 x m shows the source index (nearest) or the source
  // coordinate (bilinear) of every output column.
  auto resize_ramp = [](ops::ResizeMode mode, int in, int out) {
    Tensor x({1, 1, 1, in}), y({1, 1, 1, out});
    for (int i = 0; i < in; ++i) x.data()[i] = float(i);
    ffnet::test::run_op(*ops::make_resize(mode, fast()), {x.image(0)}, y.image(0), 1);
    return std::vector<float>(y.data(), y.data() + out);
  };
  // nearest: floor(dst * in/out) clamped, not rounding to the closest centre ("nearest-exact")
  CHECK(resize_ramp(ops::ResizeMode::nearest, 3, 5) == std::vector<float>{0, 0, 1, 1, 2});
  CHECK(resize_ramp(ops::ResizeMode::nearest, 5, 2) == std::vector<float>{0, 2});
  // bilinear align_corners: the ends map to the ends, dst * (in-1)/(out-1) in between
  CHECK(resize_ramp(ops::ResizeMode::bilinear_align_corners, 3, 5) ==
        std::vector<float>{0, 0.5f, 1, 1.5f, 2});
  CHECK(resize_ramp(ops::ResizeMode::bilinear_align_corners, 5, 1) == std::vector<float>{0});
  CHECK(resize_ramp(ops::ResizeMode::bilinear_align_corners, 1, 3) == std::vector<float>{0, 0, 0});
  check_throws_kind([] {
    Tensor x({1, 2, 3, 3}), y({1, 3, 3, 3});
    ffnet::test::run_op(*ops::make_resize(ops::ResizeMode::nearest, fast()), {x.image(0)}, y.image(0), 1);
  }, ErrorKind::internal);
  check_throws_kind([] {
    Tensor x({1, 2, 3, 3}), y({1, 2, 6, 6}), add({1, 2, 6, 5});
    ffnet::test::run_op(*ops::make_resize(ops::ResizeMode::nearest, fast()), {x.image(0), add.image(0)}, y.image(0), 1);
  }, ErrorKind::internal);
}

TEST_CASE("ops: pre-down smoothing") {
  CHECK(ops::smoothing_output_dims({3, 1024, 2048}) == Dims{3, 511, 1022});
  CHECK(ops::smoothing_output_dims({3, 3, 5}) == Dims{3, 1, 1});
  check_throws_kind([] { ops::smoothing_output_dims({3, 2, 100}); }, ErrorKind::input);
  check_throws_kind([] { ops::smoothing_output_dims({3, 100, 4}); }, ErrorKind::input);
  unsigned seed = 300;
  for (int c : {1, 3})
    for (int h : {3, 4, 5, 6, 7, 10, 33})
      for (int w : {5, 6, 7, 8, 9, 20, 63}) {
        const Dims in{c, h, w};
        const Tensor x = random_image(in, seed++);
        const Tensor weight = random_tensor({c, 5, 5}, seed++);
        Tensor want = image(ops::smoothing_output_dims(in));
        reference::pre_down_smooth(x.image(0), want.image(0), weight.data());
        check_fast("smoothing " + in.str(), want, kFloatSums, [&](Tensor& out, int t) {
          ffnet::test::run_op(*ops::make_pre_down_smooth({weight.data(), weight.size()}, c, fast()), {x.image(0)},
                              out.image(0), t);
        });
      }
}

TEST_CASE("ops: pre-down smoothing reflects the first and last rows") {
  // Weights that pick one tap: padded row 0 (the reflected row -1 = row 1) at column 0.
  Tensor weight({1, 5, 5}), x({1, 1, 3, 5});
  weight.data()[0] = 1.0f;
  for (int i = 0; i < 15; ++i) x.data()[i] = float(i);
  Tensor out({1, 1, 1, 1});
  auto smooth = [&] {
    ffnet::test::run_op(*ops::make_pre_down_smooth({weight.data(), weight.size()}, 1, fast()), {x.image(0)},
                        out.image(0), 1);
  };
  smooth();
  CHECK(out.data()[0] == 5.0f);  // row 1, column 0
  // The last tap row of the only output row is padded row 4, the reflected row 3 = row 1.
  std::fill_n(weight.data(), 25, 0.0f);
  weight.data()[4 * 5 + 4] = 1.0f;
  smooth();
  CHECK(out.data()[0] == 9.0f);  // row 1, column 4
}

TEST_CASE("ops: add and concat are exact") {
  unsigned seed = 400;
  for (Dims d : {Dims{1, 1, 1}, Dims{3, 5, 7}, Dims{128, 17, 33}}) {
    const Tensor a = random_image(d, seed++), b = random_image(d, seed++);
    Tensor want = image(d);
    reference::add(a.image(0), b.image(0), want.image(0));
    check_fast("add " + d.str(), want, 0,
               [&](Tensor& out, int t) { ffnet::test::run_op(*ops::make_add(fast()), {a.image(0), b.image(0)}, out.image(0), t); });
    Tensor in_place = a.clone();  // out aliasing an operand
    ffnet::test::run_op(*ops::make_add(fast()), {in_place.image(0), b.image(0)}, in_place.image(0), 2);
    CHECK(bit_identical(in_place, want));
  }
  check_throws_kind([] {
    Tensor a({1, 2, 3, 4}), b({1, 2, 4, 3});
    ffnet::test::run_op(*ops::make_add(fast()), {a.image(0), b.image(0)}, a.image(0), 1);
  }, ErrorKind::internal);

  for (int h : {1, 6})
    for (int w : {1, 5}) {
      const std::vector<int> channels = {128, 16, 1, 16};
      std::vector<Tensor> inputs;
      std::vector<ConstView> views;
      for (int c : channels) inputs.push_back(random_image({c, h, w}, seed++));
      for (const Tensor& t : inputs) views.push_back(t.image(0));
      Tensor want = image({161, h, w});
      reference::concat_channels(views, want.image(0));
      CHECK(want.data()[std::size_t(128 * h * w)] == inputs[1].data()[0]);
      check_fast("concat", want, 0,
                 [&](Tensor& out, int t) { ffnet::test::run_op(*ops::make_concat(fast()), views, out.image(0), t); });
    }
  Tensor a({1, 2, 3, 4}), b({1, 2, 3, 5}), out({1, 4, 3, 4});
  const ConstView mismatched[] = {a.image(0), b.image(0)};
  check_throws_kind([&] { ffnet::test::run_op(*ops::make_concat(fast()), mismatched, out.image(0), 1); },
                    ErrorKind::internal);
  const ConstView too_few[] = {a.image(0)};
  check_throws_kind([&] { ffnet::test::run_op(*ops::make_concat(fast()), too_few, out.image(0), 1); },
                    ErrorKind::internal);
}

TEST_CASE("ops: linear") {
  unsigned seed = 500;
  for (int in : {1, 3, 7, 8, 9, 31, 64, 2048})
    for (int out : {1, 3, 4, 5, 13, 1000})
      for (bool with_bias : {true, false}) {
        // Weights scaled by 1/sqrt(in) as in trained layers, so that outputs are of size ~1.
        Tensor weight = random_tensor({out, in}, seed++);
        for (std::size_t i = 0; i < weight.size(); ++i) weight.data()[i] /= std::sqrt(float(in));
        const Tensor x = random_tensor({in}, seed++), bias = random_tensor({out}, seed++);
        const float* b = with_bias ? bias.data() : nullptr;
        Tensor want({1, out, 1, 1});
        reference::linear(weight.data(), b, in, out, x.data(), want.data());
        const auto op = ops::make_linear({weight.data(), weight.size()},
                                         {bias.data(), with_bias ? bias.size() : 0}, in, out, fast());
        check_fast("linear " + std::to_string(in) + " -> " + std::to_string(out), want, kFloatSums,
                   [&](Tensor& y, int t) {
                     ffnet::test::run_op(*op, {ConstView(x.data(), {in, 1, 1})}, y.image(0), t);
                   });
      }
  check_throws_kind([] { ops::make_add(fast())->reshape(std::vector<Dims>{{1, 1, 1}, {1, 2, 1}}, {1, 1, 1}, 1); },
                    ErrorKind::internal);
  check_throws_kind([] { ops::make_max_pool({}, fast())->reshape(std::vector<Dims>{{1, 8, 8}}, {1, 4, 4}, 0); },
                    ErrorKind::internal);
}
