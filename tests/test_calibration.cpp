// Calibration's arithmetic: SHA-256 against the FIPS 180-4 examples, the range observer's
// histogram and its three methods on distributions whose answer is known, the u8 parameters of
// a range.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "ffnet/calibration.hpp"
#include "ffnet/core/error.hpp"
#include "weights/sha256.hpp"

namespace {

std::string sha256(const std::string& text, std::size_t piece = 0) {
  ffnet::weights::Sha256 hash;
  if (piece == 0) piece = text.size() + 1;
  for (std::size_t at = 0; at < text.size(); at += piece) hash.update(text.data() + at, std::min(piece, text.size() - at));
  return hash.hex_digest();
}

ffnet::RangeObserver observe(const std::vector<float>& values) {
  ffnet::RangeObserver r;
  r.add(values.data(), values.size(), "test");
  return r;
}

}  // namespace

TEST_CASE("SHA-256 gives the FIPS 180-4 digests, however the bytes are split") {
  CHECK(sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  CHECK(sha256(two_blocks) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256(two_blocks, 7) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256(std::string(1'000'000, 'a'), 4099) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("minmax is the observed range, widened to hold zero") {
  CHECK(observe({1.5f, 3.0f, 2.0f}).range(ffnet::CalibrationMethod::minmax).lo == 0.0f);
  CHECK(observe({1.5f, 3.0f, 2.0f}).range(ffnet::CalibrationMethod::minmax).hi == 3.0f);
  const ffnet::Range r = observe({-4.0f, 1.0f}).range(ffnet::CalibrationMethod::minmax);
  CHECK(r.lo == -4.0f);
  CHECK(r.hi == 1.0f);
  for (auto method : {ffnet::CalibrationMethod::minmax, ffnet::CalibrationMethod::percentile, ffnet::CalibrationMethod::mse}) {
    const ffnet::Range zero = observe({0.0f, 0.0f}).range(method);
    CHECK(zero.lo == 0.0f);
    CHECK(zero.hi == 0.0f);
  }
}

TEST_CASE("percentile and mse clip a rare outlier; minmax keeps it") {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> unit(0, 1);
  std::vector<float> values(200000);
  for (float& v : values) v = unit(rng);
  values[17] = 30.0f;
  // Fed in pieces whose range grows (the bins double and merge, up to twice the width of a
  // histogram made for the whole range at once) and at once: the same answers, within a bin.
  ffnet::RangeObserver pieces_observer;
  pieces_observer.add(values.data() + 100000, 100000, "test");
  pieces_observer.add(values.data(), 100000, "test");
  const ffnet::RangeObserver& pieces = pieces_observer;
  const ffnet::RangeObserver whole = observe(values);
  CHECK(whole.count() == values.size());
  CHECK(whole.range(ffnet::CalibrationMethod::minmax).hi == 30.0f);
  const float bin = 2 * 30.0f / ffnet::RangeObserver::kBins;
  for (const ffnet::RangeObserver* r : {&pieces, &whole}) {
    const float p = r->range(ffnet::CalibrationMethod::percentile).hi;
    const float m = r->range(ffnet::CalibrationMethod::mse).hi;
    INFO("percentile " << p << ", mse " << m);
    CHECK(p >= 0.99f);
    CHECK(p <= 1.0f + 2 * bin);
    // Squared error (30 - c)^2 for the outlier plus 200000 (c / 255)^2 / 12 of rounding is least
    // at c = 30 / (1 + 200000 / (12 * 255^2)) = 23.9.
    CHECK(m == doctest::Approx(23.9).epsilon(0.02));
  }
}

TEST_CASE("mse chooses the range that minimises the squared error of a Gaussian") {
  // For a unit Gaussian and 256 levels the optimal symmetric clip is about 3.9 sigma.
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> values(400000);
  for (float& v : values) v = normal(rng);
  const ffnet::Range r = observe(values).range(ffnet::CalibrationMethod::mse);
  INFO("mse range " << r.lo << " .. " << r.hi);
  CHECK(r.hi > 3.0f);
  CHECK(r.hi < 4.8f);
  CHECK(r.lo < -3.0f);
  CHECK(r.lo > -4.8f);
  const ffnet::Range full = observe(values).range(ffnet::CalibrationMethod::minmax);
  CHECK(full.hi > r.hi);
}

TEST_CASE("a non-finite activation is refused, naming it") {
  ffnet::RangeObserver r;
  const float values[] = {1.0f, NAN};
  CHECK_THROWS_WITH_AS(r.add(values, 2, "value 'layer1'"), doctest::Contains("value 'layer1'"), ffnet::Error);
}

TEST_CASE("u8 parameters represent zero exactly and span the range") {
  const ffnet::QuantParams relu = ffnet::quant_params_of({0.0f, 5.1f});
  CHECK(relu.zero_point == 0);
  CHECK(relu.scale == doctest::Approx(0.02));
  const ffnet::QuantParams both = ffnet::quant_params_of({-1.0f, 3.0f});
  CHECK(both.zero_point == 64);  // -(-1) / (4 / 255) = 63.75
  CHECK(ffnet::dequantize(std::uint8_t(both.zero_point), both) == 0.0f);
  const ffnet::QuantParams empty = ffnet::quant_params_of({0.0f, 0.0f});
  CHECK(empty.scale > 0);
  CHECK(empty.zero_point == 0);
  CHECK_THROWS_AS(ffnet::parse_calibration_method("kl"), ffnet::Error);
  CHECK(ffnet::parse_calibration_method("percentile") == ffnet::CalibrationMethod::percentile);
}
