#pragma once
// How the commands turn a file into the network's input, one way for all of them (ffnet-quantize
// calibrates on exactly what ffnet-segment would run): a picture is normalised and resized to
// the model's natural size (or kept with --keep-size); a .npy tensor keeps its size; --size
// resizes both.
#include <optional>
#include <string>

#include "examples/arguments.hpp"
#include "ffnet/core/tensor.hpp"
#include "ffnet/image.hpp"
#include "ffnet/registry.hpp"

namespace ffnet::cli {

struct InputSizing {
  std::optional<ImageSize> size;  // inputs are resized to this; default: pictures to the natural size
  bool keep_size = false;         // pictures keep their own size
  ImageLimits limits;
};

struct LoadedInput {
  Image photo;    // empty for a .npy tensor
  Tensor tensor;  // 1 x 3 x h x w float32, normalised, at the size the model runs
  int height = 0, width = 0;  // of the picture or tensor as read
};

// `options` and, before its last one (--help), --size, --keep-size, --max-image-side and
// --max-megapixels; parse_input_sizing reads them.
std::vector<OptionSpec> with_input_sizing_options(std::vector<OptionSpec> options);
InputSizing parse_input_sizing(const Arguments& args);

bool is_npy(const std::string& path);

// Throws ffnet::Error(input) naming the file for anything unreadable, of the wrong shape, or
// holding NaN or infinity.
LoadedInput load_input(const std::string& path, const InputSizing& sizing, ImageSize natural, int threads);

}  // namespace ffnet::cli
