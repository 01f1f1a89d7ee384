// A Workspace's promise: after the first forward for an input size and thread count, forwards of
// that size allocate nothing. Counted with a replaced global operator new (every form, so that
// AddressSanitizer sees matching pairs; this binary only),
// over every node kind (convolutions exact and Winograd, bands, max pooling, both resizes,
// in-place and copying concat, pre-down smoothing, add, global pooling, linear), every kernel
// family, the reference ops, 1 and 2 threads, batches, and an observer that itself allocates
// nothing.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "ffnet/network.hpp"
#include "ops/gemm/kernel_table.hpp"
#include "tests/random_model.hpp"

namespace {

std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};

void* counted_alloc(std::size_t size, std::size_t alignment = 0) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  void* p = alignment ? std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment) : std::malloc(size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

void* operator new(std::size_t size) { return counted_alloc(size); }
void* operator new[](std::size_t size) { return counted_alloc(size); }
void* operator new(std::size_t size, std::align_val_t a) { return counted_alloc(size, std::size_t(a)); }
void* operator new[](std::size_t size, std::align_val_t a) { return counted_alloc(size, std::size_t(a)); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(size);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void* operator new(std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(size, std::size_t(a));
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, std::align_val_t a, const std::nothrow_t& tag) noexcept {
  return operator new(size, a, tag);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace {

// Allocations during `f`.
template <class F>
long allocations_during(F&& f) {
  g_allocations = 0;
  g_counting = true;
  f();
  g_counting = false;
  return g_allocations;
}

struct Model {
  const char* name;
  int height, width;
};

// Every node kind: pre-down smoothing, nearest resizes, the in-place concat and the banded stem
// and head (46NS pre_down); max pooling, bilinear resizes and stem A (18 dAAA); add, global
// pooling and linear (classification). Each also quantised: the int8 forms of those ops.
constexpr Model kModels[] = {{"segmentation_ffnet46NS_CCC_mobile_pre_down", 96, 160},
                             {"segmentation_ffnet18_dAAA", 64, 96},
                             {"classification_ffnet18_AAX", 64, 64}};

}  // namespace

TEST_CASE("the counter counts: a vector allocates") {
  const long n = allocations_during([] { std::vector<int> v(10); });
  CHECK(n == 1);
}

TEST_CASE("after the first forward of a size, forwards of that size allocate nothing") {
  for (const Model& model : kModels) {
    CAPTURE(model.name);
    struct Variant {
      std::string label;
      ffnet::LoadOptions options;
      bool int8 = false;  // the model quantised (random scales), run through the qu8 ops
    };
    std::vector<Variant> variants;
    // FFNET_E2E_REDUCED (the ASan run, 7 minutes otherwise): the default kernels only; the
    // release suite runs every kernel family.
    const bool reduced = std::getenv("FFNET_E2E_REDUCED") != nullptr;
    if (reduced) {
      MESSAGE("FFNET_E2E_REDUCED: the default kernels only (float and int8), not every kernel family");
      variants.push_back({"int8", {}, true});
    } else {
      for (ffnet::ops::Isa isa : ffnet::ops::gemm::isas_with_distinct_kernels(ffnet::DType::f32)) {
        const std::string name(isa.name);
        variants.push_back({name + " exact", {.isa = name, .conv_algorithm = ffnet::ConvAlgorithm::exact}});
        variants.push_back({name + " winograd", {.isa = name, .conv_algorithm = ffnet::ConvAlgorithm::winograd}});
      }
      for (ffnet::ops::Isa isa : ffnet::ops::gemm::isas_with_distinct_qu8_kernels())
        variants.push_back({std::string(isa.name) + " int8", {.isa = std::string(isa.name)}, true});
    }
    variants.push_back({"default", {}});
    variants.push_back({"whole maps", {.band_bytes = 0}});
    variants.push_back({"int8 whole maps", {.band_bytes = 0}, true});
    if (&model == &kModels[0]) {  // slow: one model
      variants.push_back({"reference", {.reference_ops = true}});
      variants.push_back({"int8 reference", {.reference_ops = true}, true});
    }
    for (const Variant& variant : variants) {
      const std::string& label = variant.label;
      CAPTURE(label);
      const ffnet::Network net = ffnet::testing::load_random_model(model.name, 3, variant.options, variant.int8);
      ffnet::Tensor batch({2, 3, model.height, model.width});
      const ffnet::Tensor one = ffnet::testing::random_input(model.height, model.width, 4);
      for (std::size_t i = 0; i < batch.size(); ++i) batch.data()[i] = one.data()[i % one.size()];
      for (int threads : {1, 2}) {
        CAPTURE(threads);
        for (const ffnet::Tensor* x : {&one, static_cast<const ffnet::Tensor*>(&batch)}) {
          ffnet::Workspace ws(threads);
          double total_ms = 0;
          ws.observer = [&](const ffnet::NodeEvent& e) { total_ms += e.milliseconds; };
          ffnet::Tensor out;
          net.forward(*x, out, ws);  // plans and allocates
          CHECK(allocations_during([&] { net.forward(*x, out, ws); }) == 0);
          ws.observer = nullptr;
          CHECK(allocations_during([&] { net.forward(*x, out, ws); }) == 0);
        }
      }
    }
  }
}

TEST_CASE("a new size plans again, and may allocate; then that size allocates nothing") {
  const ffnet::Network net = ffnet::testing::load_random_model(kModels[0].name, 3);
  const ffnet::Tensor a = ffnet::testing::random_input(64, 96, 1), b = ffnet::testing::random_input(96, 64, 2);
  ffnet::Workspace ws(2);
  ffnet::Tensor out;
  net.forward(a, out, ws);
  CHECK(allocations_during([&] { net.forward(a, out, ws); }) == 0);
  CHECK(allocations_during([&] { net.forward(b, out, ws); }) > 0);  // one plan is kept: the last size's
  CHECK(allocations_during([&] { net.forward(b, out, ws); }) == 0);
}
