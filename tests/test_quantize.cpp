// ffnet::Quantizer and cross-layer equalisation on random float models: equalisation keeps the
// float network's function; the int8 file loads, says what it is, and its logits follow the
// float network's; the same calibration gives the same file for any thread count; bad calls and
// bad inputs are refused and leave no trace.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "ffnet/core/error.hpp"
#include "ffnet/equalization.hpp"
#include "ffnet/graph.hpp"
#include "ffnet/quantize.hpp"
#include "ffnet/network.hpp"
#include "tests/random_model.hpp"
#include "tests/tensor_compare.hpp"
#include "weights/safetensors.hpp"
#include "weights/sha256.hpp"

namespace fs = std::filesystem;

namespace {

using ffnet::testing::random_input;

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("ffnet_quantize_" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

double relative_rms(const ffnet::Tensor& got, const ffnet::Tensor& want) {
  double diff = 0, ref = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    diff += std::pow(double(got.data()[i]) - want.data()[i], 2);
    ref += std::pow(double(want.data()[i]), 2);
  }
  return std::sqrt(diff / ref);
}

constexpr const char* kModel = "segmentation_ffnet46NS_CCC_mobile";

}  // namespace

TEST_CASE("cross-layer equalisation keeps the float function and equalises the pairs' ranges") {
  TempDir dir;
  for (const char* model : {kModel, "segmentation_ffnet18_dAAA"}) {
    CAPTURE(model);
    const std::string original = dir.file("original.safetensors"), equalised = dir.file("equalised.safetensors");
    ffnet::testing::write_random_model(original, model, 11);
    const auto file = ffnet::weights::SafetensorsFile::open(original);
    const ffnet::Graph graph = ffnet::build_graph(ffnet::model_config(model));
    std::map<std::string, ffnet::Tensor> tensors;
    for (const ffnet::TensorSpec& spec : ffnet::required_tensors(graph))
      tensors.emplace(spec.name, file.read_f32(*file.find(spec.name)));
    const int pairs = ffnet::equalize_layers(graph, tensors);
    CHECK(pairs >= 8);
    std::vector<ffnet::weights::NamedTensor> named;
    for (const auto& [name, t] : tensors) named.push_back({name, &t});
    ffnet::weights::write_safetensors(equalised, named, {{"model", model}});
    const ffnet::LoadOptions exact{.conv_algorithm = ffnet::ConvAlgorithm::exact};
    const ffnet::Tensor x = random_input(96, 160, 2);
    const ffnet::Tensor want = ffnet::Network::load(original, exact).forward(x, 1);
    const ffnet::Tensor got = ffnet::Network::load(equalised, exact).forward(x, 1);
    CHECK(relative_rms(got, want) < 1e-5);
    // The first block's conv1 -> conv2: after equalisation each channel's folded range in conv1
    // equals its input range in conv2.
    const auto eq = ffnet::weights::SafetensorsFile::open(equalised);
    int checked = 0;
    for (const ffnet::Node& node : graph.nodes) {
      if (node.name != "backbone_model.layer1.0.conv1") continue;
      ++checked;
      const auto& a = std::get<ffnet::ConvParams>(node.params);
      const ffnet::Node* b = nullptr;
      for (const ffnet::Node& n : graph.nodes)
        if (std::holds_alternative<ffnet::ConvParams>(n.params) && n.inputs[0] == node.output) b = &n;
      REQUIRE(b);
      auto [wa, ba] = ffnet::folded_conv_weights(eq, a);
      auto [wb, bb] = ffnet::folded_conv_weights(eq, std::get<ffnet::ConvParams>(b->params));
      const std::size_t channels = std::size_t(a.shape.out_channels), per_a = wa.size() / channels;
      const std::size_t out_b = std::size_t(wb.shape()[0]), taps = std::size_t(wb.shape()[2] * wb.shape()[3]);
      for (std::size_t i = 0; i < channels; ++i) {
        double ra = 0, rb = 0;
        for (std::size_t k = 0; k < per_a; ++k) ra = std::max(ra, std::abs(double(wa.data()[i * per_a + k])));
        for (std::size_t o = 0; o < out_b; ++o)
          for (std::size_t t = 0; t < taps; ++t) rb = std::max(rb, std::abs(double(wb.data()[(o * channels + i) * taps + t])));
        CHECK(ra == doctest::Approx(rb).epsilon(0.01));
      }
    }
    CHECK(checked == 1);
  }
}

TEST_CASE("Quantizer: the int8 file loads, records its making, and follows the float network") {
  TempDir dir;
  const std::string source = dir.file("float.safetensors");
  ffnet::testing::write_random_model(source, kModel, 21);
  const ffnet::Tensor a = random_input(96, 160, 1), b = random_input(96, 160, 2);
  for (bool equalize : {false, true}) {
    CAPTURE(equalize);
    ffnet::Quantizer quantizer(source, {.equalize = equalize, .threads = 2});
    quantizer.observe(a);
    quantizer.observe(b);
    CHECK(quantizer.observed_images() == 2);
    const std::string out = dir.file("int8.safetensors");
    quantizer.write(out);
    const auto file = ffnet::weights::SafetensorsFile::open(out);
    const auto& meta = file.metadata();
    CHECK(meta.at("format") == "ffnet-int8-v1");
    CHECK(meta.at("model") == kModel);
    CHECK(meta.at("quantization.method") == "mse");
    CHECK(meta.at("quantization.calibration_images") == "2");
    CHECK(meta.at("quantization.source_sha256") == ffnet::weights::sha256_of_file(source));
    CHECK((meta.at("quantization.equalized") != "no") == equalize);
    const ffnet::Network int8 = ffnet::Network::load(out);
    CHECK(int8.graph().quantized());
    const ffnet::Network fp32 = ffnet::Network::load(source);
    // Random weights make no sense of the picture, but the int8 logits must still follow the
    // float ones: relative RMS error of a few quantisation steps of the logits' range.
    for (const ffnet::Tensor* x : {&a, &b}) {
      const double error = relative_rms(int8.forward(*x, 2), fp32.forward(*x, 2));
      INFO("relative RMS error of the int8 logits " << error);  // measured 0.027 .. 0.032
      CHECK(error < 0.06);
    }
  }
}

TEST_CASE("Quantizer: the same calibration makes the same bytes for any thread count") {
  TempDir dir;
  const std::string source = dir.file("float.safetensors");
  ffnet::testing::write_random_model(source, kModel, 22);
  const ffnet::Tensor x = random_input(80, 128, 3);
  std::string first;
  for (int threads : {1, 2, 3}) {
    ffnet::Quantizer quantizer(source, {.threads = threads});
    quantizer.observe(x);
    quantizer.write(dir.file("int8.safetensors"));
    const std::string bytes = bytes_of(dir.file("int8.safetensors"));
    if (first.empty()) first = bytes;
    CHECK(bytes == first);
  }
}

TEST_CASE("Quantizer refuses bad calls and bad inputs, and a refused input leaves no trace") {
  TempDir dir;
  const std::string source = dir.file("float.safetensors");
  ffnet::testing::write_random_model(source, kModel, 23);
  ffnet::Quantizer quantizer(source);
  CHECK_THROWS_WITH_AS(quantizer.write(dir.file("out.safetensors")), doctest::Contains("no calibration input"),
                       ffnet::Error);
  CHECK_FALSE(fs::exists(dir.file("out.safetensors")));
  const ffnet::Tensor x = random_input(96, 160, 4);
  quantizer.observe(x);
  quantizer.write(dir.file("clean.safetensors"));
  CHECK_THROWS_WITH_AS(quantizer.observe(ffnet::Tensor({1, 4, 32, 32}), "four.npy"), doctest::Contains("four.npy"),
                       ffnet::Error);
  ffnet::Tensor nan = random_input(96, 160, 5);
  nan.data()[100] = NAN;
  CHECK_THROWS_WITH_AS(quantizer.observe(nan, "nan.npy"), doctest::Contains("nan.npy"), ffnet::Error);
  ffnet::Tensor huge = random_input(96, 160, 6);
  huge.data()[7] = 3e38f;  // finite, but the float network overflows on it
  CHECK_THROWS_WITH_AS(quantizer.observe(huge, "huge.npy"), doctest::Contains("non-finite"), ffnet::Error);
  CHECK(quantizer.observed_images() == 1);
  quantizer.write(dir.file("after.safetensors"));
  CHECK(bytes_of(dir.file("after.safetensors")) == bytes_of(dir.file("clean.safetensors")));
  // The output must not replace the source, however spelt.
  const std::string before = bytes_of(source);
  fs::create_symlink(source, dir.file("link.safetensors"));
  CHECK_THROWS_WITH_AS(quantizer.write(dir.file("link.safetensors")), doctest::Contains("must not replace"), ffnet::Error);
  CHECK(bytes_of(source) == before);
  // An int8 file is not quantised again.
  CHECK_THROWS_WITH_AS(ffnet::Quantizer(dir.file("clean.safetensors")), doctest::Contains("not a float model"),
                       ffnet::Error);
  CHECK_THROWS_AS(ffnet::Quantizer(dir.file("missing.safetensors")), ffnet::Error);
}
