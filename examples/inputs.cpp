#include "examples/inputs.hpp"

#include <filesystem>

#include "examples/paths.hpp"
#include "ffnet/core/error.hpp"
#include "weights/npy.hpp"

namespace ffnet::cli {

std::vector<OptionSpec> with_input_sizing_options(std::vector<OptionSpec> options) {
  const std::vector<OptionSpec> sizing = {
      {"size", "HxW", "resize the input to HxW first (default: pictures to the model's natural size)"},
      {"keep-size", "", "run pictures at their own size"},
      {"max-image-side", "N", "refuse pictures wider or taller than N pixels (default 16384)"},
      {"max-megapixels", "N", "refuse pictures of more than N million pixels (default 100)"},
  };
  options.insert(options.empty() ? options.end() : options.end() - 1, sizing.begin(), sizing.end());
  return options;
}

InputSizing parse_input_sizing(const Arguments& args) {
  InputSizing s;
  if (args.has("size")) s.size = parse_size(args.get("size"));
  s.keep_size = args.has("keep-size");
  if (s.size && s.keep_size) throw_usage("--size and --keep-size exclude each other");
  s.limits.max_side = args.get_int("max-image-side", s.limits.max_side, 1, kMaxImageSideCompiled);
  s.limits.max_pixels = std::int64_t(args.get_int("max-megapixels", 100, 1, 4096)) * 1'000'000;
  return s;
}

bool is_npy(const std::string& path) { return std::filesystem::path(path).extension() == ".npy"; }

LoadedInput load_input(const std::string& path, const InputSizing& sizing, ImageSize natural, int threads) {
  LoadedInput in;
  if (is_npy(path)) {
    in.tensor = weights::read_npy(path);
    if (in.tensor.rank() != 4 || in.tensor.shape()[0] != 1 || in.tensor.shape()[1] != 3)
      throw_input(path + ": expected a 1x3xHxW array, got shape " + in.tensor.shape_str());
    check_finite(in.tensor, path);
  } else {
    in.photo = load_image(path, sizing.limits);
    in.tensor = image_to_input(in.photo);
  }
  in.height = int(in.tensor.shape()[2]);
  in.width = int(in.tensor.shape()[3]);
  ImageSize target{in.height, in.width};
  if (sizing.size)
    target = *sizing.size;
  else if (!in.photo.rgb.empty() && !sizing.keep_size)
    target = natural;
  if (target.height != in.height || target.width != in.width)
    in.tensor = resize_bilinear(in.tensor, target.height, target.width, threads);
  return in;
}

}  // namespace ffnet::cli
