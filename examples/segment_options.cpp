#include "examples/segment_options.hpp"

#include "examples/arguments.hpp"
#include "examples/paths.hpp"
#include "ffnet/core/error.hpp"

namespace ffnet::cli {
namespace {

const std::vector<OptionSpec> kSegmentOptions = {
    {"weights", "FILE", "converted model (.safetensors, see scripts/convert_checkpoint.py)"},
    {"model", "NAME", "model name, if the weights file does not record it"},
    {"input", "PATH", "a PNG/JPEG/BMP picture, a float32 1x3xHxW .npy tensor (already normalised), "
                      "or a directory of pictures (processed in name order)"},
    {"labels", "PATH", "write train ids (8-bit PNG at input resolution)"},
    {"color", "PATH", "write the labels in the Cityscapes palette (PNG)"},
    {"overlay", "PATH", "write the palette blended over the picture (PNG)"},
    {"logits", "PATH", "write the raw output, 1x19xhxw or 1x1000 float32 (.npy)"},
    {"alpha", "A", "overlay opacity from 0 to 1 (default 0.5)"},
    {"topk", "K", "classification models: print the K most probable classes (default 5)"},
    {"threads", "N", "threads to use (default: all cores)"},
    {"quiet", "", "no progress bar"},
    {"profile", "", "print a per-layer time table and the peak activation memory"},
    {"benchmark", "N", "time N forwards after one warm-up; print median_ms, min_ms, peak_rss_mb, gflop"},
    {"isa", "NAME", "instruction-set level: scalar, avx2_fma, avx_vnni, avx512, avx512_vnni, neon, neon_dot, neon_i8mm "
                    "(default: the richest this CPU supports)"},
    {"reference", "", "run every op through the naive reference implementation (slow)"},
    {"exact", "", "no Winograd: every convolution summed exactly as the reference does"},
    {"help", "", "show this help"},
};

constexpr const char* kUsage =
    "usage: ffnet-segment --weights W.safetensors --input PICTURE|X.npy|DIR\n"
    "                     [--labels OUT] [--color OUT] [--overlay OUT] [--logits OUT] [options]\n"
    "Outputs name files for a single input and directories for a directory input.";

const std::vector<OptionSpec> kOptions = with_input_sizing_options(kSegmentOptions);

}  // namespace

constexpr const char* kExitStatus =
    "\nExit status: 0 ok, 2 usage error, 3 input error (a file missing, malformed, inconsistent with\n"
    "the model or too large; an output not writable; any failed picture of a directory),\n"
    "4 internal error (a bug: please report the message). Outputs are written atomically.\n";

std::string segment_help() { return Arguments(kOptions, 0, nullptr).help(kUsage) + kExitStatus; }

SegmentOptions parse_segment_options(int argc, char** argv) {
  Arguments args(kOptions, argc, argv);
  SegmentOptions o;
  o.help = args.has("help");
  if (o.help) return o;
  o.weights = args.required("weights");
  o.input = args.required("input");
  o.load.model = args.get("model");
  o.load.reference_ops = args.has("reference");
  if (args.has("exact")) o.load.conv_algorithm = ConvAlgorithm::exact;
  o.load.isa = args.get("isa");
  o.labels = args.get("labels");
  o.color = args.get("color");
  o.overlay = args.get("overlay");
  o.logits = args.get("logits");
  o.alpha = float(args.get_double("alpha", 0.5, 0.0, 1.0));
  o.sizing = parse_input_sizing(args);
  o.topk = args.get_int("topk", 5, 1, 1000);
  o.threads = args.get_int("threads", 0, 1, 1024);
  o.quiet = args.has("quiet");
  o.profile = args.has("profile");
  o.benchmark_runs = args.get_int("benchmark", 0, 1, 100000);
  return o;
}

}  // namespace ffnet::cli
