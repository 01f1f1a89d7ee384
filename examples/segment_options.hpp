#pragma once
// The options of ffnet-segment, parsed and checked into one typed struct.
#include <optional>
#include <string>

#include "examples/inputs.hpp"
#include "ffnet/image.hpp"
#include "ffnet/network.hpp"
#include "ffnet/registry.hpp"

namespace ffnet::cli {

struct SegmentOptions {
  bool help = false;
  std::string weights;
  LoadOptions load;
  std::string input;  // picture, .npy tensor, or a directory of pictures
  // Outputs: files for a single input, directories for a directory input.
  std::string labels;   // 8-bit train ids at input resolution (PNG)
  std::string color;    // Cityscapes palette (PNG)
  std::string overlay;  // palette blended over the photo (PNG)
  std::string logits;   // raw model output (.npy)
  float alpha = 0.5f;
  InputSizing sizing;  // --size, --keep-size, the picture limits
  int topk = 5;
  int threads = 0;
  bool quiet = false;
  bool profile = false;
  int benchmark_runs = 0;

  bool wants_segmentation_output() const { return !labels.empty() || !color.empty() || !overlay.empty(); }
};

// Throws ffnet::Error(usage) for anything inconsistent.
SegmentOptions parse_segment_options(int argc, char** argv);
std::string segment_help();

}  // namespace ffnet::cli
