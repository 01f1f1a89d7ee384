#include "examples/profiler.hpp"

#include <algorithm>

namespace ffnet::cli {

void Profiler::record(const NodeEvent& event) {
  if (event.index == 0) ++forwards_;
  Row& row = rows_.at(event.index);
  if (row.name.empty()) {
    row.name = event.name;
    row.kind = event.kind;
  }
  row.algorithm = event.algorithm;
  row.ms += event.milliseconds;
  row.dims = event.output.dims;
  row.flops += event.flops;
}

void Profiler::print(std::FILE* out, const Workspace& ws) const {
  const double runs = std::max(forwards_, 1);
  double total_ms = 0, total_flops = 0;
  for (const Row& r : rows_) {
    total_ms += r.ms;
    total_flops += r.flops;
  }
  std::fprintf(out, "%-48s %-11s %-36s %-16s %9s %7s %8s\n", "layer", "op", "algorithm", "output", "ms", "share",
               "GFLOP/s");
  for (const Row& r : rows_) {
    const double gflops = r.ms > 0 ? r.flops / (r.ms * 1e6) : 0;
    std::fprintf(out, "%-48s %-11s %-36s %-16s %9.3f %6.1f%% %8.1f\n", r.name.c_str(), r.kind.c_str(),
                 r.algorithm.c_str(), r.dims.str().c_str(), r.ms / runs, total_ms > 0 ? 100.0 * r.ms / total_ms : 0.0,
                 gflops);
  }
  std::fprintf(out, "total: %.3f ms per image, %.2f GFLOP, %.1f GFLOP/s over %d forward(s)\n", total_ms / runs,
               total_flops / runs / 1e9, total_ms > 0 ? total_flops / (total_ms * 1e6) : 0.0, forwards_);
  std::fprintf(out, "peak activation memory: %.1f MiB (arena %.1f MiB + scratch %.1f MiB)\n",
               double(ws.arena_bytes() + ws.scratch_bytes()) / (1 << 20), double(ws.arena_bytes()) / (1 << 20),
               double(ws.scratch_bytes()) / (1 << 20));
  std::fprintf(out, "weights: %.1f MiB; instruction-set level: %.*s\n", double(net_.weight_bytes()) / (1 << 20),
               int(net_.isa().size()), net_.isa().data());
}

}  // namespace ffnet::cli
