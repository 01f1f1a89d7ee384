// The int8 ops besides the convolution against their naive references, bit for bit, for 1 to 3
// threads: quantise, resize (nearest, bilinear, with and without the add), add, max pooling (whole
// and in bands), concat and global average pooling of u8 maps; and what they mean: equal scales
// make a nearest resize and a max pool exact selections of the input bytes. u8 maps are
// channels-last (element (c, y, x) at byte (y * w + x) * C + c): the layout tests write the
// expected bytes by hand.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ops/elementwise.hpp"
#include "ops/pooling.hpp"
#include "ops/qu8_ops.hpp"
#include "ops/reference.hpp"
#include "tests/op_runner.hpp"

namespace {

using namespace ffnet;

struct Map {
  DType dtype;
  Dims dims;
  std::vector<std::uint8_t> bytes;
  AnyView view() const { return {const_cast<std::uint8_t*>(bytes.data()), dtype, dims}; }
};

Map random_map(DType dtype, Dims d, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Map m{dtype, d, std::vector<std::uint8_t>(d.size() * dtype_size(dtype))};
  if (dtype == DType::u8) {
    for (auto& b : m.bytes) b = std::uint8_t(rng() % 256);
  } else {
    std::normal_distribution<float> normal(0.0f, 3.0f);
    for (std::size_t i = 0; i < d.size(); ++i) {
      const float v = i % 97 == 0 ? 1e30f * (i % 2 ? 1 : -1) : normal(rng);  // and beyond any range
      std::memcpy(m.bytes.data() + 4 * i, &v, 4);
    }
  }
  return m;
}

Map u8_map(Dims d, std::vector<std::uint8_t> bytes) { return {DType::u8, d, std::move(bytes)}; }

Map float_map(Dims d, const std::vector<float>& values) {
  Map m{DType::f32, d, std::vector<std::uint8_t>(values.size() * 4)};
  std::memcpy(m.bytes.data(), values.data(), m.bytes.size());
  return m;
}

// Byte (c, y, x) of a channels-last u8 map.
std::uint8_t at(const Map& m, int c, int y, int x) {
  return m.bytes[(std::size_t(y) * std::size_t(m.dims.w) + std::size_t(x)) * std::size_t(m.dims.c) + std::size_t(c)];
}

Map run(const ops::Op& op, const std::vector<const Map*>& in, Dims out_dims, int threads) {
  std::vector<Dims> dims;
  std::vector<AnyView> views;
  for (const Map* m : in) {
    dims.push_back(m->dims);
    views.push_back(m->view());
  }
  const auto plan = op.reshape(dims, out_dims, threads);
  AlignedBuffer scratch(plan->scratch_bytes);
  Map out{op.output_dtype(), out_dims, std::vector<std::uint8_t>(out_dims.size() * dtype_size(op.output_dtype()), 0x77)};
  op.run(*plan, views, AnyView(out.bytes.data(), out.dtype, out_dims), {.threads = threads, .scratch = {scratch.data(), scratch.size()}});
  return out;
}

// `make(config)` built fast and reference; CHECKs both give the same bytes for 1, 2 and 3 threads.
template <class Make>
Map check_against_reference(Make make, const std::vector<const Map*>& in, Dims out_dims) {
  const auto reference = make(ops::OpConfig{.reference = true});
  const Map want = run(*reference, in, out_dims, 1);
  const auto fast = make(test::fast_ops());
  for (int threads : {1, 2, 3}) {
    CAPTURE(threads);
    CHECK(run(*fast, in, out_dims, threads).bytes == want.bytes);
  }
  return want;
}

}  // namespace

TEST_CASE("qu8 ops: quantise, add") {
  const Dims d{3, 17, 33};
  const Map x = random_map(DType::f32, d, 1);
  const Map q = check_against_reference([](ops::OpConfig c) { return ops::make_quantize({0.05f, 100}, c); }, {&x}, d);
  // The huge values saturate: +1e30 (float 97: channel 0, row 2, column 31) -> 255, -1e30 -> 0.
  CHECK(at(q, 0, 2, 31) == 255);
  CHECK(at(q, 0, 0, 0) == 0);
  const Map a = random_map(DType::u8, d, 2), b = random_map(DType::u8, d, 3);
  check_against_reference([](ops::OpConfig c) { return ops::make_qu8_add({0.02f, 7}, {0.03f, 200}, {0.04f, 128}, c); },
                          {&a, &b}, d);
}

TEST_CASE("qu8 ops: quantise of the values on the edges of the rounding and the range") {
  // Ties (k + 1/2 steps: to even), NaN (to -256 before the zero point), the infinities, signed
  // zeros, the limits -256 and 512 steps and their neighbours; in runs of every length and offset
  // the vector loops meet.
  const float s = 0.25f;
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  std::vector<float> special{0.0f, -0.0f, nan, -nan, inf, -inf, -256 * s, 512 * s, std::nextafter(-256 * s, -1e9f),
                             std::nextafter(512 * s, 1e9f), 1e-30f, -1e-30f};
  for (int k = -300; k <= 600; ++k) special.push_back((float(k) + 0.5f) * s);
  for (int channels : {3, 1, 5})  // RGB, and the general path
    for (int w : {1, 5, 16, 17, 40, 300}) {
      CAPTURE(channels);
      CAPTURE(w);
      const Dims d{channels, 7, w};
      std::vector<float> values(d.size());
      for (std::size_t i = 0; i < values.size(); ++i) values[i] = special[(i * 7) % special.size()];
      const Map x = float_map(d, values);
      for (int z : {0, 3, 128, 255}) {
        CAPTURE(z);
        check_against_reference([&](ops::OpConfig c) { return ops::make_quantize({s, z}, c); }, {&x}, d);
      }
    }
}

TEST_CASE("qu8 ops: the layouts, written by hand") {
  SUBCASE("quantise: channel-major floats in, channels-last bytes out") {
    const Dims d{3, 2, 2};
    std::vector<float> values(d.size());
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = 0.3f * float(i) - 1.0f;
    const Map x = float_map(d, values);
    const QuantParams p{0.1f, 50};
    const Map q = run(*ops::make_quantize(p, test::fast_ops()), {&x}, d, 1);
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 2; ++y)
        for (int j = 0; j < 2; ++j) {
          CAPTURE(c);
          CAPTURE(y);
          CAPTURE(j);
          const float value = values[std::size_t((c * 2 + y) * 2 + j)];  // channel-major
          CHECK(q.bytes[std::size_t((y * 2 + j) * 3 + c)] == quantize_u8(value, 1.0f / p.scale, p.zero_point));
        }
  }
  SUBCASE("concat: each pixel is the first input's channels, then the second's") {
    const Map a = u8_map({2, 1, 2}, {10, 11, 20, 21});  // pixels (10, 11) and (20, 21)
    const Map b = u8_map({1, 1, 2}, {12, 22});
    for (bool reference : {false, true}) {
      const auto op = ops::make_concat(reference ? ops::OpConfig{.reference = true} : test::fast_ops(), DType::u8);
      CHECK(run(*op, {&a, &b}, {3, 1, 2}, 1).bytes == std::vector<std::uint8_t>{10, 11, 12, 20, 21, 22});
    }
  }
  SUBCASE("nearest resize: whole pixels repeated") {
    // 2 channels, 1 x 2 pixels (1, 2) and (3, 4), to 2 x 4.
    const Map x = u8_map({2, 1, 2}, {1, 2, 3, 4});
    const std::vector<std::uint8_t> want{1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4};
    for (bool reference : {false, true})
      for (QuantParams out : {QuantParams{1.0f, 0}, QuantParams{0.5f, 0}}) {
        CAPTURE(reference);
        const auto op = ops::make_qu8_resize(ops::ResizeMode::nearest, {1.0f, 0}, std::nullopt, out,
                                             reference ? ops::OpConfig{.reference = true} : test::fast_ops());
        std::vector<std::uint8_t> scaled = want;
        for (auto& v : scaled) v = std::uint8_t(v / out.scale);  // a copy, or requantised to twice the value
        CHECK(run(*op, {&x}, {2, 2, 4}, 1).bytes == scaled);
      }
  }
}

TEST_CASE("qu8 ops: resize, every mode, size pair and the add") {
  const std::pair<int, int> axes[] = {{1, 1}, {1, 5}, {5, 1}, {3, 2}, {4, 8}, {7, 7}, {13, 50}, {16, 64}};
  std::uint32_t seed = 10;
  for (auto [in_h_, out_h_] : axes)
    for (auto [in_w_, out_w_] : axes)
      for (auto mode : {ops::ResizeMode::nearest, ops::ResizeMode::bilinear_align_corners})
        for (bool with_add : {false, true}) {
          const int in_h = in_h_, out_h = out_h_, in_w = in_w_, out_w = out_w_;  // clang 14 cannot capture bindings
          CAPTURE(in_h);
          CAPTURE(out_h);
          CAPTURE(in_w);
          CAPTURE(out_w);
          CAPTURE(with_add);
          const Map x = random_map(DType::u8, {3, in_h, in_w}, seed++);
          const Map extra = random_map(DType::u8, {3, out_h, out_w}, seed++);
          std::vector<const Map*> in{&x};
          if (with_add) in.push_back(&extra);
          const std::optional<QuantParams> add = with_add ? std::optional<QuantParams>({0.07f, 30}) : std::nullopt;
          check_against_reference(
              [&](ops::OpConfig c) { return ops::make_qu8_resize(mode, {0.05f, 90}, add, {0.06f, 120}, c); }, in,
              {3, out_h, out_w});
        }
  // Pixels of more channels, requantised.
  for (int channels : {1, 20})
    for (auto mode : {ops::ResizeMode::nearest, ops::ResizeMode::bilinear_align_corners}) {
      CAPTURE(channels);
      const Map x = random_map(DType::u8, {channels, 7, 5}, seed++);
      const Map extra = random_map(DType::u8, {channels, 13, 16}, seed++);
      check_against_reference(
          [&](ops::OpConfig c) {
            return ops::make_qu8_resize(mode, {0.05f, 90}, QuantParams{0.07f, 30}, {0.06f, 120}, c);
          },
          {&x, &extra}, {channels, 13, 16});
    }
  // One scale and zero point in and out, no add: a copy of input pixels (whole rows for equal
  // widths), for any channel count.
  for (int channels : {1, 3, 16, 19})
    for (auto [in_w_, out_w_] : {std::pair{6, 6}, {6, 12}, {7, 3}})
      for (auto [in_h_, out_h_] : {std::pair{5, 5}, {5, 10}, {4, 3}}) {
        const int in_h = in_h_, out_h = out_h_, in_w = in_w_, out_w = out_w_;  // clang 14 cannot capture bindings
        CAPTURE(channels);
        CAPTURE(in_h);
        CAPTURE(out_h);
        CAPTURE(in_w);
        CAPTURE(out_w);
        const Map x = random_map(DType::u8, {channels, in_h, in_w}, seed++);
        check_against_reference(
            [&](ops::OpConfig c) {
              return ops::make_qu8_resize(ops::ResizeMode::nearest, {0.037f, 61}, std::nullopt, {0.037f, 61}, c);
            },
            {&x}, {channels, out_h, out_w});
      }
  // ... which selects input bytes exactly.
  const Map x = random_map(DType::u8, {2, 5, 6}, 99);
  const Map y = run(*ops::make_qu8_resize(ops::ResizeMode::nearest, {0.037f, 61}, std::nullopt, {0.037f, 61},
                                          test::fast_ops()),
                    {&x}, {2, 10, 12}, 2);
  for (int c = 0; c < 2; ++c)
    for (int r = 0; r < 10; ++r)
      for (int j = 0; j < 12; ++j) CHECK(at(y, c, r, j) == at(x, c, r / 2, j / 2));
}

TEST_CASE("qu8 ops: max pooling, concat and global average pooling of u8 maps") {
  const ops::MaxPoolShape stem{3, 2, 1};
  for (Dims d : {Dims{1, 1, 1}, Dims{3, 7, 9}, Dims{4, 32, 40}}) {
    const Map x = random_map(DType::u8, d, std::uint32_t(d.size()));
    check_against_reference([&](ops::OpConfig c) { return ops::make_max_pool(stem, c, DType::u8); }, {&x},
                            ops::max_pool_output_dims(stem, d));
    check_against_reference(
        [&](ops::OpConfig c) { return ops::make_global_average_pool(c, DType::u8, {0.02f, 17}); }, {&x}, {d.c, 1, 1});
  }
  for (Dims d : {Dims{64, 5, 6}, Dims{130, 3, 4}}) {  // whole and partial groups of 64 channels
    const Map x = random_map(DType::u8, d, std::uint32_t(d.size()));
    check_against_reference(
        [&](ops::OpConfig c) { return ops::make_global_average_pool(c, DType::u8, {0.02f, 17}); }, {&x}, {d.c, 1, 1});
  }
  // Widths of 16-byte blocks (FFNet's: 128 + 16 + 16 + 16) and of odd ones.
  const std::vector<std::vector<int>> width_lists{{5, 2}, {32, 16, 16, 3}, {1}};
  for (const std::vector<int>& widths : width_lists) {
    std::vector<Map> parts;
    int channels = 0;
    for (int c : widths) {
      parts.push_back(random_map(DType::u8, {c, 6, 7}, std::uint32_t(c + channels)));
      channels += c;
    }
    std::vector<const Map*> in;
    for (const Map& m : parts) in.push_back(&m);
    const Map cat = check_against_reference([](ops::OpConfig c) { return ops::make_concat(c, DType::u8); }, in,
                                            {channels, 6, 7});
    int first = 0;
    for (const Map& m : parts) {
      for (int c = 0; c < m.dims.c; ++c)
        for (int y = 0; y < 6; ++y)
          for (int j = 0; j < 7; ++j) CHECK(at(cat, first + c, y, j) == at(m, c, y, j));
      first += m.dims.c;
    }
  }
}

TEST_CASE("qu8 ops: u8 max pooling in bands equals the same rows of the whole run") {
  const ops::MaxPoolShape s{3, 2, 1};
  for (Dims in_dims : {Dims{3, 1, 1}, Dims{2, 2, 5}, Dims{5, 17, 23}, Dims{32, 12, 9}}) {
    const std::string dims = in_dims.str();
    CAPTURE(dims);
    const Dims out_dims = ops::max_pool_output_dims(s, in_dims);
    const Map x = random_map(DType::u8, in_dims, std::uint32_t(in_dims.size()));
    const auto pool = ops::make_max_pool(s, test::fast_ops(), DType::u8);
    const std::size_t in_row = std::size_t(in_dims.w) * std::size_t(in_dims.c);
    const std::size_t out_row = std::size_t(out_dims.w) * std::size_t(out_dims.c);
    for (int threads : {1, 2, 3}) {
      CAPTURE(threads);
      const Map whole = run(*pool, {&x}, out_dims, threads);
      const std::vector<Dims> in_list{in_dims};
      const auto plan = pool->reshape(in_list, out_dims, threads);
      AlignedBuffer scratch(plan->scratch_bytes);
      const ops::RunContext ctx{.threads = threads, .scratch = {scratch.data(), scratch.size()}};
      const ops::BandWindow window = pool->band_window(*plan);
      for (int band_h : {1, 2, 3, out_dims.h}) {
        CAPTURE(band_h);
        for (int first = 0; first < out_dims.h; first += band_h) {
          const ops::RowRange rows{first, std::min(out_dims.h, first + band_h)};
          const ops::RowRange need = ops::band_input_rows(window, rows, in_dims.h);
          // The input band holds exactly the rows it needs; the output band the rows it computes.
          std::vector<std::uint8_t> in_band(x.bytes.begin() + std::ptrdiff_t(std::size_t(need.first) * in_row),
                                            x.bytes.begin() + std::ptrdiff_t(std::size_t(need.last) * in_row));
          std::vector<std::uint8_t> out_band(std::size_t(rows.last - rows.first) * out_row, 0x77);
          const AnyView in_view(in_band.data(), DType::u8, {in_dims.c, need.last - need.first, in_dims.w});
          const AnyView out_view(out_band.data(), DType::u8, {out_dims.c, rows.last - rows.first, out_dims.w});
          pool->run_band(*plan, {in_view, need.first, in_dims.h}, {out_view, rows.first, out_dims.h}, rows, ctx);
          CHECK(std::memcmp(out_band.data(), whole.bytes.data() + std::size_t(rows.first) * out_row,
                            out_band.size()) == 0);
        }
      }
    }
  }
}
