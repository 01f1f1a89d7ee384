// int8 end to end against PyTorch, through the user's path: the float references' checkpoints
// (saved by torch.save, converted), quantised by the ffnet-quantize binary, run by Network and
// by the PyTorch int8 reference (scripts/ffnet_int8_torch.py, made by
// scripts/make_int8_references.py). On every model and both sizes (one odd): every u8 map and
// the logits equal the reference within one quantisation step on >= 99.9 % of the elements (the
// logits' step: their reference range / 255). The two differ only where float rounding of the
// epilogue's products tips a value across a rounding boundary; the counts are printed.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ffnet/ffnet.hpp"
#include "ffnet/graph.hpp"
#include "ops/gemm/kernel_table.hpp"
#include "weights/json.hpp"

namespace fs = std::filesystem;

namespace {

constexpr double kMaxShareBeyondOneStep = 0.001;

fs::path env_dir(const char* name) {
  const char* dir = std::getenv(name);
  REQUIRE_MESSAGE(dir, name, " must name the reference directory");
  return dir;
}

std::vector<std::string> models(const fs::path& root) {
  std::ifstream in(root / "done");
  REQUIRE_MESSAGE(in.good(), "no ", (root / "done").string());
  std::vector<std::string> names;
  for (std::string name; in >> name;) names.push_back(name);
  return names;
}

std::vector<std::string> sizes(const fs::path& float_model_dir) {
  std::ifstream in(float_model_dir / "meta.json", std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  const ffnet::json::Value meta = ffnet::json::parse(text.str());
  std::vector<std::string> out;
  for (const auto& size : meta.find("sizes")->as_array())
    out.push_back(std::to_string(size.as_array()[0].as_int()) + "x" + std::to_string(size.as_array()[1].as_int()));
  return out;
}

struct Tally {
  std::size_t elements = 0, differ = 0, beyond_step = 0;
  void add(std::size_t e, std::size_t d, std::size_t b) {
    elements += e;
    differ += d;
    beyond_step += b;
  }
};

// Runs the int8 network on the reference input, checking each u8 map with a reference as it is
// made, then the logits.
ffnet::Tensor check_case(const ffnet::Network& net, const fs::path& ref_dir, const ffnet::Tensor& input, int threads,
                         const std::string& label, Tally& maps_tally, Tally& logits_tally) {
  ffnet::Workspace ws(threads);
  std::size_t checked = 0;
  ws.observer = [&](const ffnet::NodeEvent& e) {
    if (e.output.dtype != ffnet::DType::u8 || !e.output.data) return;
    const fs::path file = ref_dir / "u8" / (std::string(e.value_name) + ".npy");
    CAPTURE(label);
    CAPTURE(e.value_name);
    REQUIRE_MESSAGE(fs::exists(file), "the PyTorch reference has no map ", e.value_name);
    const ffnet::Tensor ref = ffnet::weights::read_npy(file.string());
    REQUIRE(ref.size() == e.output.dims.size());
    // The reference is channel-major (NCHW, as PyTorch keeps it); our u8 maps are channels-last.
    const ffnet::BasicView<const std::uint8_t> ours(static_cast<const std::uint8_t*>(e.output.data), e.output.dims);
    const ffnet::Dims d = e.output.dims;
    std::size_t differ = 0, beyond = 0;
    for (int c = 0; c < d.c; ++c)
      for (int y = 0; y < d.h; ++y)
        for (int x = 0; x < d.w; ++x) {
          const double step = std::abs(double(ours.pixel(y, x)[c]) - double(ref.data()[(std::size_t(c) * d.h + y) * d.w + x]));
          differ += step > 0;
          beyond += step > 1;
        }
    CHECK_MESSAGE(double(beyond) <= kMaxShareBeyondOneStep * double(ref.size()), beyond, " of ", ref.size(),
                  " elements more than one step away");
    maps_tally.add(ref.size(), differ, beyond);
    ++checked;
  };
  ffnet::Tensor out;
  net.forward(input, out, ws);
  std::size_t references = 0;
  for (const auto& entry : fs::directory_iterator(ref_dir / "u8")) references += entry.path().extension() == ".npy";
  CHECK_MESSAGE(checked == references, label, ": ", checked, " u8 maps checked of ", references, " in the reference");
  const ffnet::Tensor ref = ffnet::weights::read_npy((ref_dir / "output.npy").string());
  REQUIRE(out.shape() == ref.shape());
  double lo = ref.data()[0], hi = lo;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    lo = std::min(lo, double(ref.data()[i]));
    hi = std::max(hi, double(ref.data()[i]));
  }
  const double step = (hi - lo) / 255;
  std::size_t differ = 0, beyond = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    REQUIRE(std::isfinite(out.data()[i]));
    const double d = std::abs(double(out.data()[i]) - double(ref.data()[i]));
    differ += d > 1e-5 * step;
    beyond += d > step;
  }
  CAPTURE(label);
  CHECK_MESSAGE(double(beyond) <= kMaxShareBeyondOneStep * double(ref.size()), beyond, " of ", ref.size(),
                " logits more than one step (", step, ") away");
  logits_tally.add(ref.size(), differ, beyond);
  return out;
}

}  // namespace

TEST_CASE("int8: every model equals its PyTorch int8 reference within one step, at both sizes") {
  const fs::path float_root = env_dir("FFNET_REFDATA"), root = env_dir("FFNET_INT8_REFDATA");
  const std::vector<std::string> names = models(root);
  REQUIRE(names.size() >= 10);
  Tally maps, logits;
  for (const std::string& model : names) {
    CAPTURE(model);
    // Whole maps (no bands), so that every u8 map can be compared; the default banded network
    // gives the same logits bit for bit.
    const std::string weights = (root / model / "int8.safetensors").string();
    const ffnet::Network net = ffnet::Network::load(weights, {.band_bytes = 0});
    const ffnet::Network banded = ffnet::Network::load(weights);
    CHECK(net.config().name == model);
    CHECK(net.graph().quantized());
    for (const std::string& size : sizes(float_root / model)) {
      const ffnet::Tensor input = ffnet::weights::read_npy((float_root / model / size / "input.npy").string());
      const ffnet::Tensor out = check_case(net, root / model / size, input, 2, model + " " + size, maps, logits);
      const ffnet::Tensor banded_out = banded.forward(input, 2);
      CHECK(std::memcmp(banded_out.data(), out.data(), out.size() * sizeof(float)) == 0);
    }
    // Every other int8 kernel family on the first model (they equal the best bit for bit on
    // every node kind: test_int8_network.cpp).
    if (model != names.front()) continue;
    for (ffnet::ops::Isa isa : ffnet::ops::gemm::isas_with_distinct_qu8_kernels()) {
      const ffnet::Network other = ffnet::Network::load(weights, {.isa = std::string(isa.name), .band_bytes = 0});
      const std::string size = sizes(float_root / model).back();
      const ffnet::Tensor input = ffnet::weights::read_npy((float_root / model / size / "input.npy").string());
      check_case(other, root / model / size, input, 3, model + " " + size + " " + std::string(isa.name), maps, logits);
    }
  }
  MESSAGE("u8 maps: ", maps.elements, " elements, ", maps.differ, " differ, ", maps.beyond_step,
          " by more than one step; logits: ", logits.elements, " elements, ", logits.differ, " differ, ",
          logits.beyond_step, " by more than one step");
}
