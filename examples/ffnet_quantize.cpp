// ffnet-quantize: make the int8 model of a float one, calibrated on pictures or tensors.
#include <cstdio>

#include "examples/exit_codes.hpp"
#include "examples/progress.hpp"
#include "examples/quantize_options.hpp"
#include "ffnet/ffnet.hpp"

namespace {

int run(int argc, char** argv) {
  const ffnet::cli::QuantizeCliOptions options = ffnet::cli::parse_quantize_options(argc, argv);
  if (options.help) {
    std::printf("%s", ffnet::cli::quantize_help().c_str());
    return ffnet::cli::kOk;
  }
  const std::vector<std::string> files = ffnet::cli::calibration_files(options);  // before anything is loaded
  ffnet::Quantizer quantizer(options.weights, options.quantize);
  const ffnet::ImageSize natural = ffnet::natural_input_size(quantizer.config().name);
  ffnet::cli::Progress progress(files.size(), !options.quiet);
  for (const std::string& file : files) {
    const ffnet::cli::LoadedInput in = ffnet::cli::load_input(file, options.sizing, natural, options.quantize.threads);
    quantizer.observe(in.tensor, file);
    progress.step();
  }
  progress.finish();
  quantizer.write(options.output);
  std::printf("wrote %s: %s, int8, calibrated on %zu inputs (%s ranges%s)\n", options.output.c_str(),
              quantizer.config().name.c_str(), quantizer.observed_images(),
              ffnet::calibration_method_name(options.quantize.method),
              options.quantize.equalize ? ", cross-layer equalised" : "");
  return ffnet::cli::kOk;
}

}  // namespace

int main(int argc, char** argv) { return ffnet::cli::run_reporting_errors("ffnet-quantize", run, argc, argv); }
