// The int8 ops besides the convolution against their naive references, bit for bit, for 1 to 3
// threads: quantise, resize (nearest, bilinear, with and without the add), add, max pooling,
// concat and global average pooling of u8 maps; and what they mean: equal scales make a nearest
// resize and a max pool exact selections of the input bytes.
#include <doctest/doctest.h>

#include <cstring>
#include <random>
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
  // The huge values saturate: +1e30 -> 255, -1e30 -> 0.
  CHECK(q.bytes[97] == 255);
  CHECK(q.bytes[0] == 0);
  const Map a = random_map(DType::u8, d, 2), b = random_map(DType::u8, d, 3);
  check_against_reference([](ops::OpConfig c) { return ops::make_qu8_add({0.02f, 7}, {0.03f, 200}, {0.04f, 128}, c); },
                          {&a, &b}, d);
}

TEST_CASE("qu8 ops: resize, every mode, size pair and the add") {
  const std::pair<int, int> axes[] = {{1, 1}, {1, 5}, {5, 1}, {3, 2}, {4, 8}, {7, 7}, {13, 50}, {16, 64}};
  std::uint32_t seed = 10;
  // Plain ints, not structured bindings: clang 14 cannot capture those in CAPTURE's lambda.
  for (const auto& rows : axes)
    for (const auto& cols : axes)
      for (auto mode : {ops::ResizeMode::nearest, ops::ResizeMode::bilinear_align_corners})
        for (bool with_add : {false, true}) {
          const int in_h = rows.first, out_h = rows.second, in_w = cols.first, out_w = cols.second;
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
  // One scale and zero point in and out: a nearest resize selects input bytes exactly.
  const Map x = random_map(DType::u8, {2, 5, 6}, 99);
  const Map y = run(*ops::make_qu8_resize(ops::ResizeMode::nearest, {0.037f, 61}, std::nullopt, {0.037f, 61},
                                          test::fast_ops()),
                    {&x}, {2, 10, 12}, 2);
  for (int c = 0; c < 2; ++c)
    for (int r = 0; r < 10; ++r)
      for (int j = 0; j < 12; ++j) CHECK(y.bytes[(c * 10 + r) * 12 + j] == x.bytes[(c * 5 + r / 2) * 6 + j / 2]);
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
  const Map a = random_map(DType::u8, {5, 6, 7}, 5), b = random_map(DType::u8, {2, 6, 7}, 6);
  const Map cat = check_against_reference([](ops::OpConfig c) { return ops::make_concat(c, DType::u8); }, {&a, &b},
                                          {7, 6, 7});
  CHECK(std::memcmp(cat.bytes.data(), a.bytes.data(), a.bytes.size()) == 0);
  CHECK(std::memcmp(cat.bytes.data() + a.bytes.size(), b.bytes.data(), b.bytes.size()) == 0);
}
