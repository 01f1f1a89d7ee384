#pragma once
// The options of ffnet-quantize, parsed and checked, and the calibration files they name.
#include <string>
#include <vector>

#include "examples/inputs.hpp"
#include "ffnet/quantize.hpp"

namespace ffnet::cli {

struct QuantizeCliOptions {
  bool help = false;
  std::string weights;                   // the float model
  std::vector<std::string> calibration;  // as given: directories or files
  std::string output;
  QuantizeOptions quantize;
  InputSizing sizing;
  bool quiet = false;
};

// Throws ffnet::Error(usage) for anything inconsistent.
QuantizeCliOptions parse_quantize_options(int argc, char** argv);
std::string quantize_help();

// Every calibration file, in the order given (a directory's pictures and .npy tensors in name
// order). Refuses (input error) a path that is missing, a file that is neither, a directory
// without any; refuses (usage error) an output that is one of the inputs, however spelt.
std::vector<std::string> calibration_files(const QuantizeCliOptions& options);

}  // namespace ffnet::cli
