#pragma once
// --profile: time per graph node, accumulated over every forward of the run, printed as a
// table (layer, op, what ran, output shape, milliseconds, share of total, GFLOP/s) with the peak
// activation memory of the workspace.
#include <cstdio>
#include <string>
#include <vector>

#include "ffnet/network.hpp"

namespace ffnet::cli {

class Profiler {
 public:
  explicit Profiler(const Network& net) : net_(net), rows_(net.node_count()) {}
  void record(const NodeEvent& event);  // install as the Workspace observer
  void print(std::FILE* out, const Workspace& ws) const;

 private:
  struct Row {
    std::string name, kind, algorithm;
    double ms = 0;
    double flops = 0;
    Dims dims;
  };
  const Network& net_;
  std::vector<Row> rows_;
  int forwards_ = 0;
};

}  // namespace ffnet::cli
