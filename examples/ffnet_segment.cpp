// ffnet-segment: run an FFNet model from the shell.
#include <cstdio>
#include <exception>
#include <new>

#include "examples/arguments.hpp"
#include "examples/exit_codes.hpp"
#include "ffnet/ffnet.hpp"

namespace {

using ffnet::cli::OptionSpec;

const std::vector<OptionSpec> kOptions = {
    {"weights", "FILE", "converted model (.safetensors, see scripts/convert_checkpoint.py)"},
    {"model", "NAME", "model name, if the weights file does not record it"},
    {"input", "FILE", "input: a float32 1x3xHxW .npy array, already normalised"},
    {"logits", "FILE", "write the raw output (1x19xhxw or 1x1000) as a float32 .npy array"},
    {"threads", "N", "threads to use (default: all cores)"},
    {"isa", "NAME", "kernel family: scalar, avx2_fma or avx512 (default: the best available)"},
    {"reference", "", "run every op through the naive reference implementation (slow)"},
    {"help", "", "show this help"},
};

constexpr const char* kUsage =
    "usage: ffnet-segment --weights W.safetensors --input X.npy --logits Y.npy [--threads N]";

int run(int argc, char** argv) {
  ffnet::cli::Arguments args(kOptions, argc, argv);
  if (args.has("help")) {
    std::printf("%s", args.help(kUsage).c_str());
    return ffnet::cli::kOk;
  }
  ffnet::LoadOptions load;
  load.model = args.get("model");
  load.reference_ops = args.has("reference");
  if (args.has("isa")) load.isa = ffnet::ops::parse_isa(args.get("isa"));
  const std::string input_path = args.required("input");
  const std::string logits_path = args.required("logits");
  const int threads = args.get_int("threads", 0, 1, 1024);

  ffnet::Network net = ffnet::Network::load(args.required("weights"), load);
  ffnet::Tensor input = ffnet::weights::read_npy(input_path);
  if (input.rank() != 4 || input.shape()[0] != 1 || input.shape()[1] != 3)
    ffnet::throw_input(input_path + ": expected a 1x3xHxW array, got shape " + input.shape_str());
  ffnet::Workspace ws(threads);
  ffnet::Tensor logits;
  net.forward(input, logits, ws);
  ffnet::weights::write_npy(logits_path, logits);
  return ffnet::cli::kOk;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const ffnet::Error& e) {
    std::fprintf(stderr, "ffnet-segment: %s\n", e.what());
    if (e.kind() == ffnet::ErrorKind::usage) std::fprintf(stderr, "%s\n(--help lists the options)\n", kUsage);
    return ffnet::cli::exit_code(e.kind());
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "ffnet-segment: out of memory\n");
    return ffnet::cli::kInputError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ffnet-segment: internal error: %s\n", e.what());
    return ffnet::cli::kInternalError;
  }
}
