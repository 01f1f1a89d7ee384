#include "ops/op.hpp"

#include "ffnet/core/error.hpp"

namespace ffnet::ops {

std::unique_ptr<OpPlan> Op::reshape(std::span<const Dims>, Dims, int) const { return std::make_unique<OpPlan>(); }

BandWindow Op::band_window(const OpPlan&) const { throw_internal("band_window: this op does not run in bands"); }

void Op::run_band(const OpPlan&, AnyBand, AnyBand, RowRange, const RunContext&) const {
  throw_internal("run_band: this op does not run in bands");
}

}  // namespace ffnet::ops
