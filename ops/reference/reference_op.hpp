#pragma once
// A reference op: the plan says "reference" and has no scratch; run() hands typed views to a
// function. Included by the ops/reference/*.cpp files only.
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "ffnet/core/error.hpp"
#include "ops/op.hpp"

namespace ffnet::reference {

// `run(in, out)` with `in` a span of BasicView<const In> and `out` a BasicView<Out>; `inputs` is
// the number of inputs it takes (0: any number, at least one).
template <class In, class Out, class Run>
class ReferenceOp final : public ops::Op {
 public:
  ReferenceOp(Run run, std::size_t inputs, std::size_t weight_bytes)
      : run_(std::move(run)), inputs_(inputs), weight_bytes_(weight_bytes) {}

  std::unique_ptr<ops::OpPlan> reshape(std::span<const Dims>, Dims, int) const override {
    auto plan = std::make_unique<ops::OpPlan>();
    plan->algorithm = "reference";
    return plan;
  }
  void run(const ops::OpPlan&, std::span<const AnyView> in, AnyView out, const ops::RunContext&) const override {
    // A handful of inputs (concat: 4): a fixed array, so that running allocates nothing.
    constexpr std::size_t kMaxInputs = 8;
    if (in.empty() || in.size() > kMaxInputs || (inputs_ != 0 && in.size() != inputs_))
      throw_internal("reference op: " + std::to_string(in.size()) + " inputs");
    BasicView<const In> views[kMaxInputs];
    for (std::size_t i = 0; i < in.size(); ++i) views[i] = in[i].as<const In>();
    run_(std::span<const BasicView<const In>>(views, in.size()), out.as<Out>());
  }
  DType output_dtype() const override { return dtype_of<Out>(); }
  std::size_t weight_bytes() const override { return weight_bytes_; }

 private:
  Run run_;
  std::size_t inputs_;
  std::size_t weight_bytes_;
};

template <class In, class Out, class Run>
std::unique_ptr<ops::Op> reference_op_of(Run run, std::size_t inputs, std::size_t weight_bytes = 0) {
  return std::make_unique<ReferenceOp<In, Out, Run>>(std::move(run), inputs, weight_bytes);
}

// The float ops.
template <class Run>
std::unique_ptr<ops::Op> reference_op(Run run, std::size_t inputs, std::size_t weight_bytes = 0) {
  return reference_op_of<float, float>(std::move(run), inputs, weight_bytes);
}

// A copy of op weights the op owns.
inline std::vector<float> copy_of(std::span<const float> values) { return {values.begin(), values.end()}; }

}  // namespace ffnet::reference
