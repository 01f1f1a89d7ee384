#include "examples/quantize_options.hpp"

#include <algorithm>
#include <filesystem>

#include "examples/arguments.hpp"
#include "examples/paths.hpp"
#include "ffnet/core/error.hpp"

namespace fs = std::filesystem;

namespace ffnet::cli {
namespace {

const std::vector<OptionSpec> kOptions = with_input_sizing_options({
    {"weights", "FILE", "the float model (.safetensors, see scripts/convert_checkpoint.py)"},
    {"model", "NAME", "model name, if the weights file does not record it"},
    {"calibration", "PATH...", "directories of pictures (PNG/JPEG/BMP) or of float32 1x3xHxW .npy tensors "
                               "(already normalised), or such files: what the ranges are measured on"},
    {"output", "FILE", "the int8 model to write (.safetensors); ffnet-segment runs it as it runs a float one"},
    {"method", "NAME", "how each activation's range is chosen: minmax, percentile (99.99 %) or mse "
                       "(least squared error; the default)"},
    {"equalize", "", "cross-layer equalisation of the float weights before quantising them"},
    {"threads", "N", "threads to use (default: all cores)"},
    {"quiet", "", "no progress bar"},
    {"help", "", "show this help"},
});

constexpr const char* kUsage =
    "usage: ffnet-quantize --weights FLOAT.safetensors --calibration PATH... --output INT8.safetensors\n"
    "                      [--method minmax|percentile|mse] [--equalize] [options]\n"
    "Calibration pictures are preprocessed exactly as ffnet-segment does (to the model's natural\n"
    "size unless --size or --keep-size says otherwise).";

constexpr const char* kExitStatus =
    "\nExit status: 0 ok, 2 usage error, 3 input error (a file missing, malformed or inconsistent with\n"
    "the model; the output not writable), 4 internal error. The output is written atomically, and\n"
    "only once every calibration input has run.\n";

bool is_calibration_file(const std::string& path) { return is_npy(path) || has_image_extension(path); }

}  // namespace

std::string quantize_help() { return Arguments(kOptions, 0, nullptr).help(kUsage) + kExitStatus; }

QuantizeCliOptions parse_quantize_options(int argc, char** argv) {
  Arguments args(kOptions, argc, argv);
  QuantizeCliOptions o;
  o.help = args.has("help");
  if (o.help) return o;
  o.weights = args.required("weights");
  args.required("calibration");
  o.calibration = args.get_all("calibration");
  o.output = args.required("output");
  o.quantize.model = args.get("model");
  if (args.has("method")) o.quantize.method = parse_calibration_method(args.get("method"));
  o.quantize.equalize = args.has("equalize");
  o.quantize.threads = args.get_int("threads", 0, 1, 1024);
  o.sizing = parse_input_sizing(args);
  o.quiet = args.has("quiet");
  return o;
}

std::vector<std::string> calibration_files(const QuantizeCliOptions& o) {
  std::vector<std::string> files;
  for (const std::string& path : o.calibration) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> found;
      for (const auto& entry : fs::directory_iterator(path))
        if (entry.is_regular_file() && is_calibration_file(entry.path().string())) found.push_back(entry.path().string());
      if (found.empty()) throw_input(path + ": no PNG, JPEG or BMP pictures nor .npy tensors in this directory");
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (!fs::exists(path, ec)) {
      throw_input(path + ": no such file or directory");
    } else if (!is_calibration_file(path)) {
      throw_input(path + ": not a picture (.png, .jpg, .jpeg, .bmp) nor a .npy tensor");
    } else {
      files.push_back(path);
    }
  }
  if (fs::is_directory(o.output)) throw_usage("--output " + o.output + " is a directory: name the file to write");
  std::vector<Named> paths{{"--weights", o.weights}};
  for (const std::string& f : files) paths.push_back({"--calibration", f});
  paths.push_back({"--output", o.output});
  refuse_same_files(paths, paths.size() - 1);
  return files;
}

}  // namespace ffnet::cli
