// A loaded Network is independent of its weight file, and inputs too big for memory are refused
// before anything is allocated.
#include <doctest/doctest.h>

#include "ops/gemm/kernel_table.hpp"

#include <unistd.h>

#include <filesystem>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <vector>

#include "ffnet/core/error.hpp"
#include "ffnet/core/memory_limit.hpp"
#include "ffnet/network.hpp"
#include "tests/random_model.hpp"
#include "tests/tensor_compare.hpp"

namespace fs = std::filesystem;

namespace {

constexpr const char* kModel = "segmentation_ffnet46NS_CCC_mobile_pre_down";

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("ffnet_safety_" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

using ffnet::testing::same_bits;

// Whether loading `path` now fails or gives other results for x than `expected`: the file as
// it is now really differs from the one the network was loaded from.
bool load_differs(const std::string& path, const ffnet::Tensor& x, const ffnet::Tensor& expected) {
  try {
    return !same_bits(ffnet::Network::load(path).forward(x, 2), expected);
  } catch (const ffnet::Error&) {
    return true;
  }
}

// The message of the ffnet::Error(input) that `f` throws, or "" if it throws none.
template <class F>
std::string input_error_of(F&& f) {
  try {
    f();
  } catch (const ffnet::Error& e) {
    CHECK(e.kind() == ffnet::ErrorKind::input);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a loaded network does not read its weight file again: overwritten, truncated or deleted") {
  TempDir dir;
  const std::string path = (dir.path / "w.safetensors").string();
  ffnet::testing::write_random_model(path, kModel, 5);
  const ffnet::Network net = ffnet::Network::load(path);
  const ffnet::Tensor x = ffnet::testing::random_input(64, 96, 9);
  const ffnet::Tensor expected = net.forward(x, 2);

  // Overwritten in place (same inode: a memory map of it would see the new bytes).
  const auto size = fs::file_size(path);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(std::streamoff(size / 2));
    const std::string junk(std::size_t(size / 2), '\x7f');
    f.write(junk.data(), std::streamsize(junk.size()));
    REQUIRE(f.good());
  }
  CHECK(same_bits(net.forward(x, 2), expected));
  CHECK(load_differs(path, x, expected));  // the overwrite was real
  // Truncated to nothing (reading a memory map of it would raise SIGBUS).
  fs::resize_file(path, 0);
  CHECK(same_bits(net.forward(x, 2), expected));
  CHECK_THROWS_AS(ffnet::Network::load(path), ffnet::Error);
  fs::remove(path);
  CHECK(same_bits(net.forward(x, 2), expected));
  CHECK_THROWS_AS(ffnet::Network::load(path), ffnet::Error);
}

TEST_CASE("an input whose activations exceed the workspace's memory limit is refused before allocating") {
  const ffnet::Network net = ffnet::testing::load_random_model(kModel, 5);
  const ffnet::Tensor x = ffnet::testing::random_input(256, 256, 1);

  ffnet::Workspace small(1);
  small.memory_limit = 1u << 20;
  ffnet::Tensor out;
  const std::string message = input_error_of([&] { net.forward(x, out, small); });
  CHECK_MESSAGE(message.find("an input of 3x256x256 needs ") == 0, message);
  CHECK_MESSAGE(message.find("more than the workspace's memory limit (1 MiB)") != std::string::npos, message);
  CHECK(small.arena_bytes() == 0);
  CHECK(small.scratch_bytes() == 0);

  ffnet::Workspace enough(1);
  CHECK(enough.memory_limit == ffnet::default_memory_limit());
  net.forward(x, out, enough);
  CHECK(enough.arena_bytes() > small.memory_limit);  // so the limit above was really in the way
  CHECK(enough.arena_bytes() + enough.scratch_bytes() <= enough.memory_limit);
}

TEST_CASE("a tensor larger than physical memory is refused, not attempted") {
  const std::size_t physical = ffnet::physical_memory_bytes();
  if (physical == 0) {
    MESSAGE("skipped: the system does not report its physical memory");
    return;
  }
  CHECK(ffnet::default_memory_limit() == physical / 4 * 3);
  const auto rows = std::int64_t(physical / sizeof(float) / 1024 + 1);
  const std::string message = input_error_of([&] { ffnet::Tensor t({rows, 1024}); });
  CHECK_MESSAGE(message.find("more than this machine's physical memory") != std::string::npos, message);
}

TEST_CASE("non-finite input: refused by default, naming the element; propagated alike by every path when allowed") {
  ffnet::Tensor x = ffnet::testing::random_input(64, 128, 3);
  const std::size_t at = (std::size_t(1) * 64 + 5) * 128 + 7;  // element [0, 1, 5, 7]
  for (const float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    x.data()[at] = bad;
    const ffnet::Network net = ffnet::testing::load_random_model(kModel, 5);
    ffnet::Workspace ws(2);
    CHECK(ws.check_finite_input);
    ffnet::Tensor out;
    const std::string message = input_error_of([&] { net.forward(x, out, ws); });
    CHECK_MESSAGE(message.find("input: element [0, 1, 5, 7] is " + std::string(std::isnan(bad) ? "NaN" : "infinite")) == 0,
                  message);
  }
  // Allowed: NaN comes out (PyTorch's behaviour: ReLU and max pooling pass NaN on), on every
  // kernel family, with and without Winograd, and through the reference ops.
  x.data()[at] = std::numeric_limits<float>::quiet_NaN();
  std::vector<std::size_t> non_finite;
  std::vector<std::string> paths;
  auto run = [&](const std::string& what, const ffnet::LoadOptions& options) {
    const ffnet::Network net = ffnet::testing::load_random_model(kModel, 5, options);
    ffnet::Workspace ws(2);
    ws.check_finite_input = false;
    ffnet::Tensor out;
    net.forward(x, out, ws);
    std::size_t count = 0;
    for (std::size_t i = 0; i < out.size(); ++i) count += !std::isfinite(out.data()[i]);
    paths.push_back(what);
    non_finite.push_back(count);
    return out.size();
  };
  std::size_t outputs = 0;
  for (ffnet::ops::Isa isa : ffnet::ops::gemm::isas_with_distinct_kernels(ffnet::DType::f32)) {
    const std::string name(isa.name);
    outputs = run(name + " winograd", {.isa = name, .conv_algorithm = ffnet::ConvAlgorithm::winograd});
    run(name + " exact", {.isa = name, .conv_algorithm = ffnet::ConvAlgorithm::exact});
  }
  run("reference", {.reference_ops = true});
  for (std::size_t i = 0; i < paths.size(); ++i) {
    CAPTURE(paths[i]);
    CHECK(non_finite[i] > 0);
    CHECK(non_finite[i] == non_finite[0]);
  }
  MESSAGE(non_finite[0], " of ", outputs, " outputs are NaN on every path");
}

TEST_CASE("forward on borrowed memory: the Tensor forward's bits; wrong outputs and overlaps refused") {
  for (const bool int8 : {false, true}) {
    const ffnet::Network net = ffnet::testing::load_random_model(kModel, 5, {}, int8);
    const ffnet::Tensor x = ffnet::testing::random_input(67, 130, 9);
    const ffnet::Tensor expected = net.forward(x, 2);
    ffnet::Workspace ws(2);
    // Unaligned memory, as a numpy array's may be: one float past an aligned start.
    std::vector<float> in(x.size() + 1), out(expected.size() + 1);
    std::copy(x.data(), x.data() + x.size(), in.begin() + 1);
    net.forward({in.data() + 1, x.shape()}, {out.data() + 1, expected.shape()}, ws);
    CHECK(std::equal(out.begin() + 1, out.end(), expected.data()));

    auto usage_error_of = [&](ffnet::ConstBatch input, ffnet::Batch output) -> std::string {
      try {
        net.forward(input, output, ws);
      } catch (const ffnet::Error& e) {
        CHECK(e.kind() == ffnet::ErrorKind::usage);
        return e.what();
      }
      return "";
    };
    const std::vector<std::int64_t> wrong{1, 19, 3, 3};
    CHECK(usage_error_of({in.data() + 1, x.shape()}, {out.data(), wrong}).find("the output must have shape") !=
          std::string::npos);
    std::vector<float> shared(x.size() + expected.size());
    CHECK(usage_error_of({shared.data(), x.shape()}, {shared.data() + x.size() - 1, expected.shape()}) ==
          "forward: the output overlaps the input");
    CHECK(usage_error_of({shared.data() + expected.size() - 1, x.shape()}, {shared.data(), expected.shape()}) ==
          "forward: the output overlaps the input");
    const std::vector<std::int64_t> rank3{3, 67, 130};
    CHECK_THROWS_WITH(net.forward({in.data(), rank3}, {out.data(), expected.shape()}, ws),
                      "input must be N x 3 x H x W, got shape [3, 67, 130]");
  }
}
