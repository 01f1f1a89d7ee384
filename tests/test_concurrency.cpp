// One loaded Network shared by several threads, each with its own Workspace, running many
// forwards on inputs of different sizes: every result must be bit-identical to the same input
// run alone on one thread. scripts/test_hardened.sh also runs this under ThreadSanitizer.
// FFNET_CONCURRENCY_ROUNDS sets the forwards per thread (default 25).
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <thread>

#include "ffnet/network.hpp"
#include "tests/random_model.hpp"
#include "tests/tensor_compare.hpp"

namespace {

constexpr const char* kModel = "segmentation_ffnet46NS_CCC_mobile_pre_down";
constexpr int kCallers = 4;
constexpr int kOmpThreadsPerForward = 2;  // OpenMP inside every concurrent forward too

int rounds() {
  const char* env = std::getenv("FFNET_CONCURRENCY_ROUNDS");
  return env ? std::max(1, std::atoi(env)) : 25;
}

}  // namespace

TEST_CASE("concurrent forwards on one network give the single-threaded results") {
  const ffnet::Network net = ffnet::testing::load_random_model(kModel, 11);

  std::vector<ffnet::Tensor> inputs;
  inputs.push_back(ffnet::testing::random_input(64, 64, 1));
  inputs.push_back(ffnet::testing::random_input(64, 128, 2));
  inputs.push_back(ffnet::testing::random_input(96, 64, 3));
  std::vector<ffnet::Tensor> expected;
  for (const auto& x : inputs) {
    expected.push_back(net.forward(x, 1));
    const ffnet::Tensor& y = expected.back();
    bool finite = true, varied = false;
    for (std::size_t i = 0; i < y.size(); ++i) {
      finite = finite && std::isfinite(y.data()[i]);
      varied = varied || y.data()[i] != y.data()[0];
    }
    REQUIRE(finite);
    REQUIRE(varied);  // a constant output would hide mix-ups between inputs
  }

  const int per_thread = rounds();
  std::atomic<int> mismatches{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < kCallers; ++t) {
    callers.emplace_back([&, t] {
      ffnet::Workspace ws(kOmpThreadsPerForward);
      ffnet::Tensor out;
      for (int r = 0; r < per_thread; ++r) {
        const std::size_t i = std::size_t(t + r) % inputs.size();  // callers change sizes out of step
        net.forward(inputs[i], out, ws);
        if (!ffnet::testing::same_bits(out, expected[i])) ++mismatches;
      }
    });
  }
  for (auto& c : callers) c.join();
  CHECK(mismatches == 0);
  MESSAGE(kCallers, " threads x ", per_thread, " forwards, ", mismatches.load(), " mismatches");
}
