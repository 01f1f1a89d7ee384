// A quantised (int8) weight file runs through the same Network: the fast int8 ops equal the
// reference ops bit for bit on every node kind (quantise, int8 conv with and without residual,
// u8 max pooling, nearest and bilinear resizes with the add, in-place concat, add, global
// pooling), for any thread count and band size, every qu8 kernel family; the logits are
// float32, finite and varied. (The classifier's linear layer is float: its fast sums differ from
// the double reference within float rounding, as for float files.)
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "ffnet/network.hpp"
#include "ops/gemm/kernel_table.hpp"
#include "tests/random_model.hpp"
#include "tests/tensor_compare.hpp"

namespace {

using ffnet::testing::load_random_model;
using ffnet::testing::random_input;
using ffnet::testing::same_bits;

struct Model {
  const char* name;
  int height, width;
};
// Nearest resizes, the in-place concat, the banded stem and head (46NS); max pooling, bilinear
// resizes (18 dAAA); add, global pooling, linear (classification). The pre-down smoothing is a
// float op too: its test is below.
constexpr Model kModels[] = {{"segmentation_ffnet46NS_CCC_mobile", 96, 160},
                             {"segmentation_ffnet18_dAAA", 64, 96},
                             {"classification_ffnet18_AAX", 64, 64}};

// Every map the network makes whole, by value name, as bytes; and the output.
struct Run {
  std::map<std::string, std::vector<std::uint8_t>> maps;
  ffnet::Tensor output;
};

Run forward(const ffnet::Network& net, const ffnet::Tensor& x, int threads) {
  ffnet::Workspace ws(threads);
  Run run;
  ws.observer = [&](const ffnet::NodeEvent& e) {
    if (e.output.data == nullptr || e.kind == "linear" || e.kind == "smoothing") return;
    const auto* bytes = static_cast<const std::uint8_t*>(e.output.data);
    run.maps[std::string(e.value_name)].assign(bytes, bytes + e.output.bytes());
  };
  net.forward(x, run.output, ws);
  return run;
}

// Every map both runs made whole (bands keep some from existing whole) is the same.
void check_same(const Run& got, const Run& want) {
  CHECK(got.maps.size() + 2 >= want.maps.size());
  for (const auto& entry : got.maps) {  // no structured binding: clang 14 cannot CAPTURE one
    const std::string& name = entry.first;
    const std::vector<std::uint8_t>& bytes = entry.second;
    CAPTURE(name);
    const auto it = want.maps.find(name);
    REQUIRE(it != want.maps.end());
    CHECK(it->second == bytes);
  }
  if (want.output.shape().size() == 2) {  // classification: after the float linear layer
    const auto d = ffnet::testing::compare(got.output.data(), want.output.data(), want.output.size());
    CHECK(d.max_abs_diff <= 1e-5 * d.max_abs_ref);
  } else {
    CHECK(same_bits(got.output, want.output));
  }
}

}  // namespace

TEST_CASE("int8 network: fast ops = reference ops, any threads, bands and kernel family") {
  for (const Model& model : kModels) {
    const std::string name = model.name;
    CAPTURE(name);
    const ffnet::Tensor x = random_input(model.height, model.width, 3);
    const ffnet::Network reference = load_random_model(model.name, 4, {.reference_ops = true}, true);
    const Run reference_run = forward(reference, x, 1);
    const ffnet::Tensor& want = reference_run.output;
    CHECK(want.dtype() == ffnet::DType::f32);
    CHECK(reference_run.maps.size() > 10);
    bool finite = true, varied = false;
    for (std::size_t i = 0; i < want.size(); ++i) {
      finite = finite && std::isfinite(want.data()[i]);
      varied = varied || want.data()[i] != want.data()[0];
    }
    CHECK(finite);
    CHECK(varied);
    for (ffnet::ops::Isa isa : ffnet::ops::gemm::isas_with_distinct_qu8_kernels()) {
      CAPTURE(isa.name);
      for (std::size_t band_bytes : {std::size_t{0}, std::size_t{5000}, ffnet::kDefaultBandBytes}) {
        CAPTURE(band_bytes);
        const ffnet::Network fast =
            load_random_model(model.name, 4, {.isa = std::string(isa.name), .band_bytes = band_bytes}, true);
        for (int threads : {1, 2, 3}) {
          CAPTURE(threads);
          check_same(forward(fast, x, threads), reference_run);
        }
      }
    }
  }
}


TEST_CASE("int8 network with pre-down smoothing (float): bit-identical for any threads and bands") {
  const ffnet::Tensor x = random_input(96, 160, 5);
  const ffnet::Network whole = load_random_model("segmentation_ffnet46NS_CCC_mobile_pre_down", 6, {.band_bytes = 0}, true);
  const Run want = forward(whole, x, 1);
  for (std::size_t band_bytes : {std::size_t{3000}, ffnet::kDefaultBandBytes}) {
    const ffnet::Network banded = load_random_model("segmentation_ffnet46NS_CCC_mobile_pre_down", 6, {.band_bytes = band_bytes}, true);
    for (int threads : {1, 2, 3}) {
      CAPTURE(band_bytes);
      CAPTURE(threads);
      check_same(forward(banded, x, threads), want);
    }
  }
}
