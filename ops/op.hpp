#pragma once
// The one interface of every op. An op is
//   created once, at load: weights folded, packed and transformed (make_* in each op's header);
//   reshaped when the input size or the thread count changes: reshape() checks the shapes and
//     chooses, for that size, the algorithm, block sizes and scratch (an OpPlan, which the
//     caller keeps: one per op per Workspace);
//   run many times: run() is const and thread-safe; everything it writes besides its output is
//     the caller's scratch.
// The naive reference implementation of an op is one more implementation of the same op,
// picked at create (OpConfig::reference). Ops that can compute a band of output rows from a
// band of input rows say so (runs_in_bands), and the network may then run a producer and its
// consumer band by band (band_schedule.hpp).
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "ffnet/core/conv_algorithm.hpp"
#include "ffnet/core/tensor.hpp"
#include "ops/band.hpp"
#include "ops/cpu_features.hpp"
#include "ops/weight_budget.hpp"

namespace ffnet::ops {

// How ops are implemented, chosen at create.
struct OpConfig {
  bool reference = false;  // the naive reference: plain loops, double accumulation, one thread
  Isa isa = Isa::scalar;   // the fast kernels' instruction-set level
  ConvAlgorithm conv_algorithm = ConvAlgorithm::fastest;
  WeightBudget* winograd_budget = nullptr;  // shared by the network's convolutions; null: no limit
};

// What reshape() chose for one input size and thread count. Ops with choices to remember
// derive from it.
struct OpPlan {
  virtual ~OpPlan() = default;
  std::size_t scratch_bytes = 0;  // run()'s temporary memory
  std::string algorithm;          // what runs, for profiles: a kernel's name, "reference", ...
};

// The threads and memory one run may use.
struct RunContext {
  int threads = 1;
  std::span<std::byte> scratch;  // at least the plan's scratch_bytes, 64-byte aligned
};

class Op {
 public:
  virtual ~Op() = default;

  // Checks that inputs of `in` and an output of `out` (the graph's shape inference) suit this
  // op on `threads` threads, and plans the run; throws ffnet::Error(input) for sizes it cannot
  // take. The default plans nothing.
  virtual std::unique_ptr<OpPlan> reshape(std::span<const Dims> in, Dims out, int threads) const;
  // out = op(in...), with a plan from reshape() for these dims and at most its thread count.
  virtual void run(const OpPlan& plan, std::span<const AnyView> in, AnyView out, const RunContext& ctx) const = 0;

  virtual DType output_dtype() const { return DType::f32; }
  // Bytes of parameters held (those made on first need included, once made).
  virtual std::size_t weight_bytes() const { return 0; }

  // Band-wise running (band.hpp), for ops with one input: run_band computes output rows `rows`
  // (stored in the band `out`) from the band `in`, which holds band_input_rows(window, rows);
  // bit-identical to the same rows of run().
  virtual bool runs_in_bands() const { return false; }
  virtual BandWindow band_window(const OpPlan& plan) const;
  virtual void run_band(const OpPlan& plan, AnyBand in, AnyBand out, RowRange rows, const RunContext& ctx) const;
};

// Pieces of one scratch span, each 64-byte aligned: reshape() adds them up, run() finds them at
// the offsets add() returned.
class ScratchLayout {
 public:
  std::size_t add(std::size_t bytes) {
    const std::size_t offset = (bytes_ + 63) / 64 * 64;
    bytes_ = offset + bytes;
    return offset;
  }
  std::size_t bytes() const { return bytes_; }

 private:
  std::size_t bytes_ = 0;
};

template <class T>
T* scratch_at(const RunContext& ctx, std::size_t offset) {
  return reinterpret_cast<T*>(ctx.scratch.data() + offset);
}

// The whole scratch span as floats (the GEMM driver's and Winograd's interface).
inline std::span<float> scratch_floats(const RunContext& ctx) {
  return {reinterpret_cast<float*>(ctx.scratch.data()), ctx.scratch.size() / sizeof(float)};
}

}  // namespace ffnet::ops
