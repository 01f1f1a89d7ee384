// One Workspace through any sequence of loads, moves and forwards gives exactly what a fresh
// Workspace gives; misuse (a moved-from network, the output tensor being the input, the same
// workspace in two forwards at once) is a usage error, not memory corruption. Also run under
// AddressSanitizer by scripts/test_hardened.sh, where reusing another network's plan was a
// heap-buffer-overflow.
#include <doctest/doctest.h>

#include <optional>

#include "ffnet/core/error.hpp"
#include "ffnet/network.hpp"
#include "tests/random_model.hpp"
#include "tests/tensor_compare.hpp"

namespace {

using ffnet::testing::load_random_model;
using ffnet::testing::random_input;
using ffnet::testing::same_bits;

// Two models whose graphs differ in every dimension: a pre-down model halves its input first.
constexpr const char* kModelA = "segmentation_ffnet46NS_CCC_mobile_pre_down";
constexpr const char* kModelB = "segmentation_ffnet40S_BCC_mobile";

ffnet::Tensor fresh_forward(const ffnet::Network& net, const ffnet::Tensor& x, int threads) {
  ffnet::Workspace ws(threads);
  ffnet::Tensor out;
  net.forward(x, out, ws);
  return out;
}

template <class F>
ffnet::ErrorKind error_kind_of(F&& f) {
  try {
    f();
  } catch (const ffnet::Error& e) {
    return e.kind();
  }
  FAIL("no ffnet::Error was thrown");
  return ffnet::ErrorKind::internal;
}

}  // namespace

TEST_CASE("a workspace reused after the network is move-assigned another model gives a fresh workspace's results") {
  const ffnet::Tensor x = random_input(64, 128, 3);
  ffnet::Workspace ws(2);
  ffnet::Tensor out;
  ffnet::Network net = load_random_model(kModelA, 1);
  net.forward(x, out, ws);
  CHECK(same_bits(out, fresh_forward(net, x, 2)));
  net = load_random_model(kModelB, 2);  // the natural way to switch models: same variable, same address
  net.forward(x, out, ws);
  CHECK(same_bits(out, fresh_forward(net, x, 2)));
  net = load_random_model(kModelA, 1);
  net.forward(x, out, ws);
  CHECK(same_bits(out, fresh_forward(net, x, 2)));
}

TEST_CASE("a network loaded where a freed one lived does not inherit its plan") {
  const ffnet::Tensor x = random_input(64, 96, 4);
  ffnet::Workspace ws(1);
  ffnet::Tensor out;
  std::optional<ffnet::Network> slot;
  slot.emplace(load_random_model(kModelA, 1));
  const void* first_address = &*slot;
  slot->forward(x, out, ws);
  slot.reset();
  slot.emplace(load_random_model(kModelB, 2));
  CHECK(&*slot == first_address);  // the situation the test is about
  slot->forward(x, out, ws);
  CHECK(same_bits(out, fresh_forward(*slot, x, 1)));
}

TEST_CASE("any sequence of networks, sizes and thread counts on one workspace matches fresh workspaces") {
  const ffnet::Network a = load_random_model(kModelA, 5);
  const ffnet::Network b = load_random_model(kModelB, 6);
  CHECK(a.id() != 0);
  CHECK(a.id() != b.id());
  const ffnet::Tensor small = random_input(64, 64, 7), large = random_input(96, 160, 8);
  struct Step {
    const ffnet::Network* net;
    const ffnet::Tensor* x;
    int threads;
  };
  const Step steps[] = {{&a, &small, 1}, {&b, &small, 1}, {&b, &large, 2}, {&a, &large, 2},
                        {&a, &small, 2}, {&b, &large, 1}, {&a, &large, 1}, {&a, &large, 1}};
  ffnet::Workspace ws;
  ffnet::Tensor out;
  int index = 0;
  for (const Step& step : steps) {
    CAPTURE(index++);
    ws.set_threads(step.threads);
    step.net->forward(*step.x, out, ws);
    CHECK(same_bits(out, fresh_forward(*step.net, *step.x, step.threads)));
  }
}

TEST_CASE("a moved-from network refuses to run; the network it moved to runs on the same workspace") {
  const ffnet::Tensor x = random_input(64, 64, 9);
  ffnet::Network source = load_random_model(kModelA, 1);
  ffnet::Workspace ws(1);
  ffnet::Tensor out;
  source.forward(x, out, ws);
  const std::uint64_t id = source.id();
  ffnet::Network target = std::move(source);
  CHECK(target.id() == id);
  CHECK(source.id() == 0);  // NOLINT(bugprone-use-after-move): the moved-from state is what is tested
  CHECK(error_kind_of([&] { source.forward(x, out, ws); }) == ffnet::ErrorKind::usage);
  CHECK(error_kind_of([&] { (void)source.output_shape({1, 3, 64, 64}); }) == ffnet::ErrorKind::usage);
  target.forward(x, out, ws);
  CHECK(same_bits(out, fresh_forward(target, x, 1)));
}

TEST_CASE("misuse of forward is a usage error") {
  const ffnet::Network net = load_random_model(kModelA, 1);
  ffnet::Tensor x = random_input(64, 64, 10);
  const ffnet::Tensor copy = x.clone();
  ffnet::Workspace ws(1);

  // The output tensor being the input: it would be reallocated while being read.
  CHECK(error_kind_of([&] { net.forward(x, x, ws); }) == ffnet::ErrorKind::usage);
  CHECK(same_bits(x, copy));

  // The same workspace in a second forward while the first runs (here from the observer).
  ffnet::Tensor out, inner;
  bool refused = false;
  ws.observer = [&](const ffnet::NodeEvent&) {
    if (refused) return;
    refused = error_kind_of([&] { net.forward(x, inner, ws); }) == ffnet::ErrorKind::usage;
  };
  net.forward(x, out, ws);
  CHECK(refused);
  ws.observer = nullptr;
  net.forward(x, out, ws);  // the workspace is free again afterwards
  CHECK(same_bits(out, fresh_forward(net, x, 1)));

  // A memory limit lowered after a forward applies to the next one.
  ws.memory_limit = 1 << 16;
  CHECK(error_kind_of([&] { net.forward(x, out, ws); }) == ffnet::ErrorKind::input);
}

TEST_CASE("Winograd weights: made on first need, shared by every workspace, within the budget") {
  const ffnet::Tensor x = random_input(64, 96, 12);
  const ffnet::LoadOptions winograd{.conv_algorithm = ffnet::ConvAlgorithm::winograd};
  const ffnet::Network net = load_random_model(kModelA, 7, winograd);
  const std::size_t at_load = net.weight_bytes();
  const ffnet::Tensor first = fresh_forward(net, x, 2);
  const std::size_t after = net.weight_bytes();
  CHECK(after > at_load);  // the transformed weights exist now, and only now
  CHECK(same_bits(fresh_forward(net, x, 1), first));  // another workspace: the same weights
  CHECK(net.weight_bytes() == after);

  // No budget: every layer stays direct, exactly as in exact mode.
  ffnet::LoadOptions none = winograd;
  none.winograd_weight_budget = 0;
  const ffnet::Network direct = load_random_model(kModelA, 7, none);
  const ffnet::Network exact = load_random_model(kModelA, 7, {.conv_algorithm = ffnet::ConvAlgorithm::exact});
  CHECK(same_bits(fresh_forward(direct, x, 2), fresh_forward(exact, x, 2)));
  CHECK(direct.weight_bytes() == at_load);

  // A budget for some layers: never exceeded, and the rest run direct.
  ffnet::LoadOptions some = winograd;
  some.winograd_weight_budget = (after - at_load) / 3;
  const ffnet::Network partly = load_random_model(kModelA, 7, some);
  (void)fresh_forward(partly, x, 2);
  CHECK(partly.weight_bytes() > at_load);
  CHECK(partly.weight_bytes() - at_load <= some.winograd_weight_budget);
}
