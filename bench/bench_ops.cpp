// Throughput of the non-convolution ops on FFNet's real shapes (1024x2048 input).
// Bytes counted: every input and output byte touched once (the minimum memory traffic);
// the counter "GB=x/s" is that traffic in 10^9 bytes per second.
// The argument is the thread count.
#include <benchmark/benchmark.h>

#include <vector>

#include "ffnet/core/tensor.hpp"
#include "ops/elementwise.hpp"
#include "ops/pooling.hpp"
#include "ops/resize.hpp"
#include "ops/smoothing.hpp"

using ffnet::ConstView;
using ffnet::Dims;
using ffnet::Tensor;
namespace ops = ffnet::ops;

namespace {

Tensor filled(Dims d) {
  Tensor t({1, d.c, d.h, d.w});
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = float(i % 1000) * 1e-3f - 0.5f;
  return t;
}

void set_traffic(benchmark::State& state, std::size_t floats) {
  const double bytes = double(floats) * sizeof(float);
  state.SetBytesProcessed(std::int64_t(bytes) * state.iterations());
  state.counters["GB"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_max_pool_stem(benchmark::State& state) {
  const ops::MaxPoolShape shape;  // 3x3 / 2, pad 1
  const Tensor in = filled({64, 512, 1024});
  Tensor out = filled(ops::max_pool_output_dims(shape, in.image_dims()));
  for (auto _ : state) ops::max_pool(shape, in.image(0), out.image(0), int(state.range(0)));
  set_traffic(state, in.size() + out.size());
}

void resize_bench(benchmark::State& state, ops::ResizeMode mode, bool with_add) {
  const Tensor in = filled({128, 64, 128});
  Tensor out = filled({128, 256, 512});
  const Tensor add = filled({128, 256, 512});
  const ConstView add_view = with_add ? add.image(0) : ConstView{};
  for (auto _ : state) ops::resize(mode, in.image(0), out.image(0), add_view, int(state.range(0)));
  set_traffic(state, in.size() + out.size() + (with_add ? add.size() : 0));
}
void BM_bilinear_x4(benchmark::State& s) { resize_bench(s, ops::ResizeMode::bilinear_align_corners, false); }
void BM_bilinear_x4_add(benchmark::State& s) { resize_bench(s, ops::ResizeMode::bilinear_align_corners, true); }
void BM_nearest_x4(benchmark::State& s) { resize_bench(s, ops::ResizeMode::nearest, false); }
void BM_nearest_x4_add(benchmark::State& s) { resize_bench(s, ops::ResizeMode::nearest, true); }

void BM_concat_head(benchmark::State& state) {
  std::vector<Tensor> parts;
  std::vector<ConstView> views;
  for (int i = 0; i < 4; ++i) parts.push_back(filled({128, 256, 512}));
  for (const Tensor& t : parts) views.push_back(t.image(0));
  Tensor out = filled({512, 256, 512});
  for (auto _ : state) ops::concat_channels(views, out.image(0), int(state.range(0)));
  set_traffic(state, 2 * out.size());
}

void BM_pre_down_smooth(benchmark::State& state) {
  const Tensor in = filled({3, 1024, 2048});
  Tensor out = filled(ops::smoothing_output_dims(in.image_dims()));
  const std::vector<float> weight(3 * 25, 0.04f);
  for (auto _ : state) ops::pre_down_smooth(in.image(0), out.image(0), weight.data(), int(state.range(0)));
  set_traffic(state, in.size() + out.size());
}

void BM_linear_classifier(benchmark::State& state) {
  const int in = 2048, out = 1000;
  std::vector<float> weight(std::size_t(in) * out, 0.01f), bias(out, 0.1f), x(in, 1.0f), y(out);
  for (auto _ : state)
    ops::linear(weight.data(), bias.data(), in, out, x.data(), y.data(), int(state.range(0)));
  set_traffic(state, weight.size() + bias.size() + x.size() + y.size());
}

void BM_add(benchmark::State& state) {
  const Tensor a = filled({128, 256, 512}), b = filled({128, 256, 512});
  Tensor out = filled({128, 256, 512});
  for (auto _ : state) ops::add(a.image(0), b.image(0), out.image(0), int(state.range(0)));
  set_traffic(state, 3 * out.size());
}

void BM_global_average_pool(benchmark::State& state) {
  const Tensor in = filled({2048, 7, 7});
  std::vector<float> out(2048);
  for (auto _ : state) ops::global_average_pool(in.image(0), out.data(), int(state.range(0)));
  set_traffic(state, in.size() + out.size());
}

}  // namespace

#define FFNET_OP_BENCH(name) BENCHMARK(name)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond)
FFNET_OP_BENCH(BM_max_pool_stem);
FFNET_OP_BENCH(BM_bilinear_x4);
FFNET_OP_BENCH(BM_bilinear_x4_add);
FFNET_OP_BENCH(BM_nearest_x4);
FFNET_OP_BENCH(BM_nearest_x4_add);
FFNET_OP_BENCH(BM_concat_head);
FFNET_OP_BENCH(BM_pre_down_smooth);
FFNET_OP_BENCH(BM_linear_classifier);
FFNET_OP_BENCH(BM_add);
FFNET_OP_BENCH(BM_global_average_pool);

BENCHMARK_MAIN();
