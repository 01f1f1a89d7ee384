// Every op, reference and fast, against PyTorch's outputs written by scripts/make_op_reference.py.
// Usage: ops_vs_torch VECTOR_DIR [doctest options]. Missing vectors fail the run.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ffnet/image.hpp"
#include "ffnet/segmentation.hpp"
#include "ffnet/core/tensor.hpp"
#include "npy_test_io.hpp"
#include "op_compare.hpp"
#include "op_runner.hpp"
#include "ops/elementwise.hpp"
#include "ops/pooling.hpp"
#include "ops/reference.hpp"
#include "ops/resize.hpp"
#include "ops/smoothing.hpp"
#include "weights/json.hpp"

using ffnet::ConstView;
using ffnet::Tensor;
using ffnet::View;
using ffnet::json::Value;
namespace ops = ffnet::ops;
namespace reference = ffnet::reference;
namespace test = ffnet::test;

namespace {

std::string g_vector_dir;

// Tolerances, as multiples of max(1, max |expected|).
constexpr double kExact = 0;            // ops that only select or copy values, and a + b
constexpr double kOneUlp = 0x1p-23;     // one float ulp at the scale: correctly rounded results
constexpr double kBilinear = 1e-6;      // double (reference) vs PyTorch's float arithmetic
constexpr double kFloatSums = 1e-6;     // float accumulation (fast ops) vs the exact result
constexpr double kVsTorchFloat = 1e-5;  // anything vs PyTorch's own float32 accumulation

// Worst difference seen per comparison label, printed after the run for the record.
std::map<std::string, test::Difference>& worst() {
  static std::map<std::string, test::Difference> table;
  return table;
}

const Value& all_cases() {
  static const Value cases = [] {
    std::ifstream file(g_vector_dir + "/cases.json");
    REQUIRE_MESSAGE(file.good(), "no cases.json in '" << g_vector_dir
                                                      << "': run scripts/make_op_reference.py");
    std::stringstream text;
    text << file.rdbuf();
    return ffnet::json::parse(text.str());
  }();
  return cases;
}

Tensor load(const std::string& file) {
  test::NpyArray array = test::read_npy(g_vector_dir + "/" + file);
  Tensor t(array.shape);
  std::copy(array.data.begin(), array.data.end(), t.data());
  return t;
}

class Case {
 public:
  explicit Case(const Value& spec) : spec_(spec) {}
  std::string name() const { return spec_.find("name")->as_string(); }
  int integer(const char* key) const { return int(spec_.find(key)->as_int()); }
  const Value& field(const char* key) const { return *spec_.find(key); }
  bool has_field(const char* key) const { return spec_.find(key) != nullptr; }
  bool has_input(const char* role) const { return spec_.find("inputs")->find(role) != nullptr; }
  Tensor input(const char* role) const { return load(spec_.find("inputs")->find(role)->as_string()); }
  std::vector<std::string> input_roles() const { return spec_.find("inputs")->keys(); }
  Tensor expected() const { return load(spec_.find("expected")->as_string()); }
  bool has_float32() const { return spec_.find("expected_float32") != nullptr; }
  Tensor expected_float32() const { return load(spec_.find("expected_float32")->as_string()); }

 private:
  const Value& spec_;
};

std::vector<Case> cases_of(const std::string& op) {
  std::vector<Case> found;
  for (const Value& spec : all_cases().find("cases")->as_array())
    if (spec.find("op")->as_string() == op) found.emplace_back(spec);
  REQUIRE_MESSAGE(!found.empty(), "the vectors have no " << op << " case");
  return found;
}

void compare(const std::string& label, const Case& c, const Tensor& got, const Tensor& want,
             double tolerance) {
  REQUIRE(got.size() == want.size());
  auto d = test::check_close(c.name() + " " + label, got.data(), want.data(), want.size(), tolerance);
  auto& w = worst()[label];
  if (d.relative() >= w.relative()) w = d;
}

struct Tolerances {
  double reference;
  double fast;
};

// Runs the reference and the fast op (1 and 2 threads) into tensors shaped like the expected
// output and compares them with torch's result (and with torch's float32 result when the case
// has one).
void check_case(const std::string& op, const Case& c, Tolerances tol,
                const std::function<void(Tensor&)>& run_reference,
                const std::function<void(Tensor&, int)>& run_fast) {
  const Tensor want = c.expected();
  std::vector<std::pair<std::string, Tensor>> results;
  Tensor ref(want.shape());
  run_reference(ref);
  compare(op + " reference vs torch", c, ref, want, tol.reference);
  results.emplace_back("reference", std::move(ref));
  if (run_fast) {
    for (int threads : {1, 2}) {
      Tensor fast(want.shape());
      run_fast(fast, threads);
      compare(op + " fast vs torch", c, fast, want, tol.fast);
      results.emplace_back("fast", std::move(fast));
    }
  }
  if (c.has_float32()) {
    const Tensor f32 = c.expected_float32();
    for (auto& [kind, result] : results)
      compare(op + " " + kind + " vs torch float32", c, result, f32, kVsTorchFloat);
  }
}

TEST_CASE("torch: conv2d (reference)") {
  for (const Case& c : cases_of("conv2d")) {
    const Tensor x = c.input("x"), weight = c.input("weight"), bias = c.input("bias");
    ops::ConvShape shape{.in_channels = x.image_dims().c, .out_channels = c.integer("out_channels"),
                         .kernel_h = c.integer("kernel_h"), .kernel_w = c.integer("kernel_w"),
                         .stride = c.integer("stride"), .pad = c.integer("pad")};
    Tensor residual;
    const bool relu = c.field("relu").as_bool();
    if (c.has_input("residual")) residual = c.input("residual");
    const ConstView residual_view = residual.size() ? residual.image(0) : ConstView();
    check_case("conv2d", c, {kOneUlp, 0},
               [&](Tensor& out) {
                 reference::conv2d(shape, weight.data(), bias.data(), x.image(0), out.image(0), residual_view, relu);
               },
               nullptr);
  }
}

TEST_CASE("torch: max_pool") {
  for (const Case& c : cases_of("max_pool")) {
    const Tensor x = c.input("x");
    ops::MaxPoolShape shape{c.integer("kernel"), c.integer("stride"), c.integer("pad")};
    check_case("max_pool", c, {kExact, kExact},
               [&](Tensor& out) { reference::max_pool(shape, x.image(0), out.image(0)); },
               [&](Tensor& out, int threads) {
                 test::run_op(*ops::make_max_pool(shape, test::fast_ops()), {x.image(0)}, out.image(0), threads);
               });
  }
}

TEST_CASE("torch: resize") {
  for (const Case& c : cases_of("resize")) {
    const bool nearest = c.field("mode").as_string() == "nearest";
    const auto mode = nearest ? ops::ResizeMode::nearest : ops::ResizeMode::bilinear_align_corners;
    // PyTorch's channels-last bilinear kernel (chosen for 1-channel tensors) rounds differently.
    const bool other_kernel = c.has_field("torch_kernel");
    const Tensor x = c.input("x");
    Tensor add;
    if (c.has_input("add")) add = c.input("add");
    const ConstView add_view = add.size() ? add.image(0) : ConstView{};
    const Tolerances tol = nearest        ? Tolerances{kExact, kExact}
                           : other_kernel ? Tolerances{kBilinear, kBilinear}
                                          : Tolerances{kBilinear, kOneUlp};
    const std::string label = nearest        ? "resize nearest"
                              : other_kernel ? "resize bilinear (torch channels-last kernel)"
                                             : "resize bilinear";
    check_case(label, c, tol,
               [&](Tensor& out) { reference::resize(mode, x.image(0), out.image(0), add_view); },
               [&](Tensor& out, int threads) {
                 const auto op = ops::make_resize(mode, test::fast_ops());
                 if (add_view.data) test::run_op(*op, {x.image(0), add_view}, out.image(0), threads);
                 else test::run_op(*op, {x.image(0)}, out.image(0), threads);
               });
  }
}

TEST_CASE("torch: pre-down smoothing") {
  for (const Case& c : cases_of("smoothing")) {
    const Tensor x = c.input("x"), weight = c.input("weight");
    CHECK(ops::smoothing_output_dims(x.image_dims()) == c.expected().image_dims());
    check_case("smoothing", c, {kOneUlp, kFloatSums},
               [&](Tensor& out) { reference::pre_down_smooth(x.image(0), out.image(0), weight.data()); },
               [&](Tensor& out, int threads) {
                 test::run_op(*ops::make_pre_down_smooth({weight.data(), weight.size()}, x.image_dims().c,
                                                         test::fast_ops()),
                              {x.image(0)}, out.image(0), threads);
               });
  }
}

TEST_CASE("torch: global average pool") {
  for (const Case& c : cases_of("global_average_pool")) {
    const Tensor x = c.input("x");
    check_case("global_average_pool", c, {kOneUlp, kOneUlp},
               [&](Tensor& out) { reference::global_average_pool(x.image(0), out.data()); },
               [&](Tensor& out, int threads) {
                 test::run_op(*ops::make_global_average_pool(test::fast_ops()), {x.image(0)},
                              View{out.data(), {x.image_dims().c, 1, 1}}, threads);
               });
  }
}

TEST_CASE("torch: linear") {
  for (const Case& c : cases_of("linear")) {
    const Tensor x = c.input("x"), weight = c.input("weight");
    Tensor bias;
    if (c.has_input("bias")) bias = c.input("bias");
    const int in_features = int(weight.shape()[1]), out_features = int(weight.shape()[0]);
    const float* b = bias.size() ? bias.data() : nullptr;
    check_case("linear", c, {kOneUlp, kFloatSums},
               [&](Tensor& out) {
                 reference::linear(weight.data(), b, in_features, out_features, x.data(), out.data());
               },
               [&](Tensor& out, int threads) {
                 const auto op = ops::make_linear({weight.data(), weight.size()}, {bias.data(), bias.size()},
                                                  in_features, out_features, test::fast_ops());
                 test::run_op(*op, {ConstView(x.data(), {in_features, 1, 1})}, View{out.data(), {out_features, 1, 1}},
                              threads);
               });
  }
}

TEST_CASE("torch: concat_channels") {
  for (const Case& c : cases_of("concat_channels")) {
    std::vector<Tensor> inputs;
    for (const std::string& role : c.input_roles()) inputs.push_back(load(c.field("inputs").find(role)->as_string()));
    std::vector<ConstView> views;
    for (const Tensor& t : inputs) views.push_back(t.image(0));
    check_case("concat_channels", c, {kExact, kExact},
               [&](Tensor& out) { reference::concat_channels(views, out.image(0)); },
               [&](Tensor& out, int threads) {
                 test::run_op(*ops::make_concat(test::fast_ops()), views, out.image(0), threads);
               });
  }
}

TEST_CASE("torch: add") {
  for (const Case& c : cases_of("add")) {
    const Tensor a = c.input("a"), b = c.input("b");
    check_case("add", c, {kExact, kExact},
               [&](Tensor& out) { reference::add(a.image(0), b.image(0), out.image(0)); },
               [&](Tensor& out, int threads) {
                 test::run_op(*ops::make_add(test::fast_ops()), {a.image(0), b.image(0)}, out.image(0), threads);
               });
  }
}

TEST_CASE("torch: picture resizing (bilinear, align_corners=False)") {
  for (const Case& c : cases_of("picture_resize")) {
    const Tensor x = c.input("x"), want = c.expected();
    const Tensor got = ffnet::resize_bilinear(x, int(want.shape()[2]), int(want.shape()[3]), 2);
    compare("picture resize", c, got, want, kBilinear);
  }
}

TEST_CASE("torch: ImageNet normalisation of a picture") {
  const Case c = cases_of("normalise").front();
  const Tensor pixels = c.input("pixels");
  ffnet::Image image;
  image.height = int(pixels.shape()[2]);
  image.width = int(pixels.shape()[3]);
  const std::size_t plane = std::size_t(image.height) * std::size_t(image.width);
  for (std::size_t i = 0; i < plane; ++i)
    for (std::size_t ch = 0; ch < 3; ++ch) image.rgb.push_back(std::uint8_t(pixels.data()[ch * plane + i]));
  compare("normalise", c, ffnet::image_to_input(image), c.expected(), kOneUlp * 4);
}

TEST_CASE("torch: label maps (logits resized to the picture, arg-max)") {
  for (const Case& c : cases_of("label_map")) {
    const Tensor logits = c.input("logits"), gap = c.input("top2_gap"), want = c.expected();
    const int height = int(want.shape()[2]), width = int(want.shape()[3]);
    const auto labels = ffnet::label_map(logits.image(0), height, width, c.field("align_corners").as_bool(), 2);
    // Pixels whose two best classes are within float rounding of each other may go either way.
    std::size_t differ = 0, near_ties = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (float(labels[i]) == want.data()[i]) continue;
      if (gap.data()[i] < 1e-5f) ++near_ties;
      else ++differ;
    }
    CAPTURE(c.name());
    CHECK(differ == 0);
    CHECK(near_ties <= labels.size() / 10000);
  }
}

void print_worst() {
  std::printf("\nWorst difference per comparison (max|diff|, and relative to max(1, max|expected|)):\n");
  for (const auto& [label, d] : worst())
    std::printf("  %-48s %.3g  (%.3g)\n", label.c_str(), d.max_abs, d.relative());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: %s VECTOR_DIR [doctest options]\n", argv[0]);
    return 2;
  }
  g_vector_dir = argv[1];
  std::vector<char*> doctest_args{argv[0]};
  for (int i = 2; i < argc; ++i) doctest_args.push_back(argv[i]);
  doctest::Context context;
  context.applyCommandLine(int(doctest_args.size()), doctest_args.data());
  const int status = context.run();
  if (!context.shouldExit()) print_worst();
  return status;
}
