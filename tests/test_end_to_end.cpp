// End to end against PyTorch: checkpoints saved by scripts/make_reference.py with
// torch.save, converted by scripts/convert_checkpoint.py, loaded by Network. Every named
// intermediate map and the output must satisfy max|diff| <= 1e-4 * max|ref| in exact mode,
// and <= 1e-3 * max|ref| wherever Winograd runs: on every eligible layer (ConvAlgorithm::winograd,
// which these small sizes need to reach it) and where the default chooses it.
#include <doctest/doctest.h>

#include "ops/gemm/kernel_table.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ffnet/ffnet.hpp"
#include "tests/tensor_compare.hpp"
#include "weights/json.hpp"

namespace fs = std::filesystem;

namespace {

constexpr double kTolerance = 1e-4;  // relative to max |ref|, per tensor
constexpr double kWinogradTolerance = 1e-3;

// The models the issue requires, one per architectural feature (stems A/B/C, basic and
// bottleneck blocks, `d`, every Up-head and head preset, mobile nearest upsampling,
// pre-downsampling, 3-stage backbones, classification).
const char* const kRequiredModels[] = {
    "segmentation_ffnet18_dAAA",       "segmentation_ffnet50_AAA",
    "segmentation_ffnet34_ABB",        "segmentation_ffnet86S_dBBB",
    "segmentation_ffnet40S_BCC_mobile_pre_down", "segmentation_ffnet46N_CBB",
    "segmentation_ffnet122NS_CCC_mobile", "segmentation_ffnet54S_dBBB_mobile",
    "classification_ffnet18_AAX",      "classification_ffnet46NS_CBX_mobile",
};

// FFNET_E2E_REDUCED=1 (set by scripts/test_hardened.sh under the sanitizers, where the naive
// reference ops are very slow): every model on its best kernels at both sizes, but the other
// kernel families and the reference ops on the first model only. Printed, never silent.
bool reduced_run() {
  const char* env = std::getenv("FFNET_E2E_REDUCED");
  return env && *env && std::strcmp(env, "0") != 0;
}

// FFNET_E2E_MODELS=a,b,... (set by scripts/test_arm.sh, where emulation makes every model take
// minutes): only those required models, in that order, in the first test case (under
// FFNET_E2E_REDUCED the first named is the one also run on every kernel family and the
// reference ops). Printed, never silent.
std::vector<std::string> checked_models() {
  const char* env = std::getenv("FFNET_E2E_MODELS");
  if (env == nullptr || *env == '\0') return {std::begin(kRequiredModels), std::end(kRequiredModels)};
  std::vector<std::string> models;
  std::stringstream list(env);
  for (std::string model; std::getline(list, model, ',');) {
    REQUIRE_MESSAGE(std::find(std::begin(kRequiredModels), std::end(kRequiredModels), model) != std::end(kRequiredModels),
                    "FFNET_E2E_MODELS names ", model, ", which is not a required model");
    models.push_back(model);
  }
  REQUIRE_MESSAGE(!models.empty(), "FFNET_E2E_MODELS names no model");
  std::printf("FFNET_E2E_MODELS: %zu of the %zu required models checked: %s\n", models.size(),
              std::size(kRequiredModels), env);
  return models;
}

fs::path refdata() {
  const char* dir = std::getenv("FFNET_REFDATA");
  REQUIRE_MESSAGE(dir, "FFNET_REFDATA must name the directory made by scripts/make_test_references.py");
  return dir;
}

ffnet::json::Value read_json(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read ", path.string());
  std::stringstream text;
  text << in.rdbuf();
  return ffnet::json::parse(text.str());
}

struct Case {
  fs::path dir;  // <refdata>/<model>/<H>x<W>
  ffnet::Tensor input;
  ffnet::Tensor output;
  std::map<std::string, ffnet::Tensor, std::less<>> features;
};

std::vector<Case> load_cases(const fs::path& model_dir) {
  const auto meta = read_json(model_dir / "meta.json");
  std::vector<Case> cases;
  for (const auto& size : meta.find("sizes")->as_array()) {
    Case c;
    c.dir = model_dir / (std::to_string(size.as_array()[0].as_int()) + "x" + std::to_string(size.as_array()[1].as_int()));
    c.input = ffnet::weights::read_npy((c.dir / "input.npy").string());
    c.output = ffnet::weights::read_npy((c.dir / "output.npy").string());
    for (const auto& f : meta.find("features")->as_array())
      c.features.emplace(f.as_string(), ffnet::weights::read_npy((c.dir / "features" / (f.as_string() + ".npy")).string()));
    cases.push_back(std::move(c));
  }
  return cases;
}

// Runs the network, checking every intermediate map that has a reference as it is produced.
void check_against_reference(const ffnet::Network& net, const Case& c, int threads, const std::string& label,
                             double tolerance = kTolerance) {
  ffnet::Workspace ws(threads);
  std::size_t checked = 0;
  double worst = 0;
  ws.observer = [&](const ffnet::NodeEvent& e) {
    auto it = c.features.find(e.value_name);
    if (it == c.features.end()) return;
    CAPTURE(label);
    CAPTURE(e.value_name);
    REQUIRE(it->second.size() == e.output.dims.size());
    auto d = ffnet::testing::compare(e.output.as<const float>().data, it->second.data(), it->second.size());
    CHECK(d.non_finite == 0);
    CHECK_MESSAGE(d.max_abs_diff <= tolerance * d.max_abs_ref, "max|diff| ", d.max_abs_diff, " max|ref| ", d.max_abs_ref);
    worst = std::max(worst, d.relative());
    ++checked;
  };
  ffnet::Tensor out;
  net.forward(c.input, out, ws);
  CHECK_MESSAGE(checked == c.features.size(), label, ": some reference maps have no counterpart in our graph");
  REQUIRE(out.shape() == c.output.shape());
  auto d = ffnet::testing::compare(out.data(), c.output.data(), out.size());
  CAPTURE(label);
  CHECK(d.non_finite == 0);
  CHECK_MESSAGE(d.max_abs_diff <= tolerance * d.max_abs_ref, "output max|diff| ", d.max_abs_diff, " max|ref| ", d.max_abs_ref);
  MESSAGE(label, ": output rel diff ", d.relative(), ", worst intermediate ", worst, " (", checked, " maps)");
}

}  // namespace

TEST_CASE("every required model matches PyTorch at both sizes, on every kernel family and the reference ops") {
  const fs::path root = refdata();
  const std::vector<std::string> models = checked_models();
  for (const std::string& name : models) {
    const char* model = name.c_str();
    CAPTURE(model);
    const fs::path model_dir = root / model;
    REQUIRE_MESSAGE(fs::exists(model_dir / "model.safetensors"), "missing reference data for ", model);
    const std::vector<Case> cases = load_cases(model_dir);
    REQUIRE(cases.size() >= 2);
    // The model name comes from the converted file's metadata.
    const std::string weights = (model_dir / "model.safetensors").string();
    const ffnet::Network best = ffnet::Network::load(weights, {.conv_algorithm = ffnet::ConvAlgorithm::exact});
    CHECK(best.config().name == model);
    const std::string best_isa(best.isa());
    for (const Case& c : cases)
      check_against_reference(best, c, 2, std::string(model) + " " + c.dir.filename().string() + " " + best_isa);
    // Winograd on every layer it applies to, and the default choice, at both sizes.
    const ffnet::Network winograd = ffnet::Network::load(weights, {.conv_algorithm = ffnet::ConvAlgorithm::winograd});
    const ffnet::Network fastest = ffnet::Network::load(weights);
    for (const Case& c : cases) {
      check_against_reference(winograd, c, 2, std::string(model) + " " + c.dir.filename().string() + " winograd",
                              kWinogradTolerance);
      check_against_reference(fastest, c, 2, std::string(model) + " " + c.dir.filename().string() + " default",
                              kWinogradTolerance);
    }
    if (reduced_run() && name != models.front()) {
      std::printf("FFNET_E2E_REDUCED: %s checked on %s (exact, Winograd, default) only; other kernel families and reference ops skipped\n",
                  model, best_isa.c_str());
      continue;
    }
    // The fast paths switched off one by one: every other kernel family, then no kernels at all.
    for (ffnet::ops::Isa isa : ffnet::ops::gemm::isas_with_distinct_kernels(ffnet::DType::f32)) {
      if (isa.name == best.isa()) continue;
      const std::string name(isa.name);
      const ffnet::Network net = ffnet::Network::load(weights, {.isa = name, .conv_algorithm = ffnet::ConvAlgorithm::exact});
      check_against_reference(net, cases.back(), 2, std::string(model) + " " + name);
      const ffnet::Network wino =
          ffnet::Network::load(weights, {.isa = name, .conv_algorithm = ffnet::ConvAlgorithm::winograd});
      check_against_reference(wino, cases.back(), 2, std::string(model) + " " + name + " winograd", kWinogradTolerance);
    }
    const ffnet::Network reference = ffnet::Network::load(weights, {.reference_ops = true});
    check_against_reference(reference, cases.back(), 1, std::string(model) + " reference ops");
  }
}

TEST_CASE("results are bit-identical for any thread count, exact and Winograd") {
  const fs::path model_dir = refdata() / "segmentation_ffnet40S_BCC_mobile_pre_down";
  const std::vector<Case> cases = load_cases(model_dir);
  for (const ffnet::ConvAlgorithm algorithm : {ffnet::ConvAlgorithm::exact, ffnet::ConvAlgorithm::winograd})
  for (const Case& c : cases) {
    CAPTURE(int(algorithm));
    const ffnet::Network net = ffnet::Network::load((model_dir / "model.safetensors").string(), {.conv_algorithm = algorithm});
    ffnet::Tensor one = net.forward(c.input, 1);
    for (int threads : {2, 3}) {
      ffnet::Tensor many = net.forward(c.input, threads);
      REQUIRE(many.size() == one.size());
      CHECK(std::memcmp(many.data(), one.data(), one.size() * sizeof(float)) == 0);
    }
  }
}

TEST_CASE("a batch gives the same result as its images one by one") {
  const fs::path model_dir = refdata() / "segmentation_ffnet46N_CBB";
  const std::vector<Case> cases = load_cases(model_dir);
  const ffnet::Network net = ffnet::Network::load((model_dir / "model.safetensors").string());
  const ffnet::Tensor& x = cases.front().input;
  ffnet::Tensor batch({2, 3, x.shape()[2], x.shape()[3]});
  std::memcpy(batch.data(), x.data(), x.size() * sizeof(float));
  for (std::size_t i = 0; i < x.size(); ++i) batch.data()[x.size() + i] = -x.data()[i];
  ffnet::Workspace ws(2);
  ffnet::Tensor both;
  net.forward(batch, both, ws);
  ffnet::Tensor first;
  net.forward(x, first, ws);
  CHECK(std::memcmp(both.data(), first.data(), first.size() * sizeof(float)) == 0);
  CHECK(std::memcmp(both.data() + first.size(), first.data(), first.size() * sizeof(float)) != 0);
}

TEST_CASE("the banded stem and head tail give bit-identical results in less activation memory") {
  // Stems A (max-pool consumer), B and C (stride-2 convolution consumer), and pre-down input;
  // heads A, B and C, whose last two convolutions run Winograd (forced: these sizes are small). At these small sizes the stem's map is the largest for the first two; for
  // the others the arena's peak lies elsewhere, so it cannot shrink.
  const std::pair<std::string, bool> models[] = {{"segmentation_ffnet18_dAAA", true},
                                                 {"segmentation_ffnet86S_dBBB", true},
                                                 {"segmentation_ffnet122NS_CCC_mobile", false},
                                                 {"segmentation_ffnet40S_BCC_mobile_pre_down", false}};
  for (const auto& entry : models) {  // no structured binding: clang 14 cannot capture one
    const std::string& model = entry.first;
    const bool stem_is_peak = entry.second;
    CAPTURE(model);
    const std::string weights = (refdata() / model / "model.safetensors").string();
    const ffnet::Network whole =
        ffnet::Network::load(weights, {.conv_algorithm = ffnet::ConvAlgorithm::winograd, .band_bytes = 0});
    for (const Case& c : load_cases(refdata() / model)) {
      ffnet::Workspace whole_ws(2);
      ffnet::Tensor want;
      whole.forward(c.input, want, whole_ws);
      // One row per band, a few rows, and the default (one band at these sizes).
      for (std::size_t band_bytes : {std::size_t{1}, std::size_t{40000}, ffnet::kDefaultBandBytes}) {
        CAPTURE(band_bytes);
        const ffnet::Network banded =
            ffnet::Network::load(weights, {.conv_algorithm = ffnet::ConvAlgorithm::winograd, .band_bytes = band_bytes});
        for (int threads : {1, 2}) {
          ffnet::Workspace ws(threads);
          std::vector<std::string> never_whole;
          ws.observer = [&](const ffnet::NodeEvent& e) {
            if (e.output.data == nullptr) never_whole.emplace_back(e.value_name);
          };
          ffnet::Tensor got;
          banded.forward(c.input, got, ws);
          // The stem's first convolution and the head's last but one.
          REQUIRE(never_whole.size() == 2);
          CHECK(never_whole[1].find("last_layer.0") != std::string::npos);
          REQUIRE(got.size() == want.size());
          CHECK(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)) == 0);
          CHECK(ws.arena_bytes() <= whole_ws.arena_bytes());
          if (band_bytes < ffnet::kDefaultBandBytes && stem_is_peak) CHECK(ws.arena_bytes() < whole_ws.arena_bytes());
        }
      }
    }
  }
}
