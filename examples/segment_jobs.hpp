#pragma once
// What one ffnet-segment run reads and writes: the jobs (one input each, and where its outputs
// go), planned and checked before anything is loaded or written.
#include <string>
#include <vector>

#include "examples/segment_options.hpp"

namespace ffnet::cli {

// One input and where its outputs go (empty: not wanted).
struct Job {
  std::string input;
  std::string labels, color, overlay, logits;
};

// The jobs of a run: the input itself, or every picture of an input directory in name order,
// with the output options naming files or directories accordingly. Refuses (usage error), before
// creating anything, every output that resolves to an input of the run (the weights, a picture,
// a tensor) or to another output of it, however spelt (./a.png, a symlink, a hard link), and an
// output directory that is the input directory. Creates nothing.
std::vector<Job> plan_jobs(const SegmentOptions& options);

// For a directory input: creates the output directories (once the model has loaded, so that a
// run refused for its weights leaves nothing behind).
void create_output_directories(const SegmentOptions& options);

}  // namespace ffnet::cli
