#pragma once
// Running one op through its interface as the network does: reshape() for the views' dims,
// scratch of the plan's size, run() (or run_band()). For the op tests and benches.
#include <memory>
#include <span>
#include <vector>

#include "ffnet/core/aligned_buffer.hpp"
#include "ops/cpu_features.hpp"
#include "ops/op.hpp"

namespace ffnet::test {

// The fast kernels of the richest ISA level this CPU has.
inline ops::OpConfig fast_ops(ops::Isa isa = ops::best_isa()) { return {.isa = isa}; }

// An op reshaped once for some dims and thread count, with its scratch: run() many times.
class PlannedOp {
 public:
  PlannedOp(const ops::Op& op, std::span<const Dims> in, Dims out, int threads)
      : op_(op), plan_(op.reshape(in, out, threads)), scratch_(plan_->scratch_bytes), threads_(threads) {}

  void run(std::span<const ConstView> in, View out) const {
    std::vector<AnyView> views(in.begin(), in.end());
    op_.run(*plan_, views, out, context());
  }
  void run_band(ops::ConstBand in, ops::Band out, ops::RowRange rows) const {
    op_.run_band(*plan_, {in.view, in.row0, in.height}, {out.view, out.row0, out.height}, rows, context());
  }
  const ops::OpPlan& plan() const { return *plan_; }

 private:
  ops::RunContext context() const {
    return {.threads = threads_, .scratch = {const_cast<std::byte*>(scratch_.data()), scratch_.size()}};
  }
  const ops::Op& op_;
  std::unique_ptr<ops::OpPlan> plan_;
  AlignedBuffer scratch_;
  int threads_;
};

inline std::vector<Dims> dims_of(std::span<const ConstView> views) {
  std::vector<Dims> dims;
  for (const ConstView& v : views) dims.push_back(v.dims);
  return dims;
}

// One run of `op`: out = op(in...).
inline void run_op(const ops::Op& op, std::span<const ConstView> in, View out, int threads) {
  const std::vector<Dims> dims = dims_of(in);
  PlannedOp(op, dims, out.dims, threads).run(in, out);
}
inline void run_op(const ops::Op& op, std::initializer_list<ConstView> in, View out, int threads) {
  run_op(op, std::span<const ConstView>(in.begin(), in.size()), out, threads);
}

}  // namespace ffnet::test
