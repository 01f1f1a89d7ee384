// Throughput of the non-convolution ops on FFNet's real shapes (1024x2048 input), each reshaped
// once and run many times through the op interface, as the network runs them.
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
#include "tests/op_runner.hpp"

using ffnet::ConstView;
using ffnet::Dims;
using ffnet::Tensor;
using ffnet::View;
using ffnet::test::PlannedOp;
namespace ops = ffnet::ops;

namespace {

const ops::OpConfig kFast = ffnet::test::fast_ops();

// `op` on views `in` -> `out`, timed over the state's iterations.
void time_op(benchmark::State& state, const ops::Op& op, const std::vector<ConstView>& in, View out) {
  const PlannedOp planned(op, ffnet::test::dims_of(in), out.dims, int(state.range(0)));
  for (auto _ : state) planned.run(in, out);
}

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
  time_op(state, *ops::make_max_pool(shape, kFast), {in.image(0)}, out.image(0));
  set_traffic(state, in.size() + out.size());
}

void resize_bench(benchmark::State& state, ops::ResizeMode mode, bool with_add) {
  const Tensor in = filled({128, 64, 128});
  Tensor out = filled({128, 256, 512});
  const Tensor add = filled({128, 256, 512});
  std::vector<ConstView> inputs{in.image(0)};
  if (with_add) inputs.push_back(add.image(0));
  time_op(state, *ops::make_resize(mode, kFast), inputs, out.image(0));
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
  time_op(state, *ops::make_concat(kFast), views, out.image(0));
  set_traffic(state, 2 * out.size());
}

void BM_pre_down_smooth(benchmark::State& state) {
  const Tensor in = filled({3, 1024, 2048});
  Tensor out = filled(ops::smoothing_output_dims(in.image_dims()));
  const std::vector<float> weight(3 * 25, 0.04f);
  time_op(state, *ops::make_pre_down_smooth(weight, 3, kFast), {in.image(0)}, out.image(0));
  set_traffic(state, in.size() + out.size());
}

void BM_linear_classifier(benchmark::State& state) {
  const int in = 2048, out = 1000;
  std::vector<float> weight(std::size_t(in) * out, 0.01f), bias(out, 0.1f), x(in, 1.0f), y(out);
  time_op(state, *ops::make_linear(weight, bias, in, out, kFast), {ConstView(x.data(), {in, 1, 1})},
          View{y.data(), {out, 1, 1}});
  set_traffic(state, weight.size() + bias.size() + x.size() + y.size());
}

void BM_add(benchmark::State& state) {
  const Tensor a = filled({128, 256, 512}), b = filled({128, 256, 512});
  Tensor out = filled({128, 256, 512});
  time_op(state, *ops::make_add(kFast), {a.image(0), b.image(0)}, out.image(0));
  set_traffic(state, 3 * out.size());
}

void BM_global_average_pool(benchmark::State& state) {
  const Tensor in = filled({2048, 7, 7});
  std::vector<float> out(2048);
  time_op(state, *ops::make_global_average_pool(kFast), {in.image(0)}, View{out.data(), {2048, 1, 1}});
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

