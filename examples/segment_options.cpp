#include "examples/segment_options.hpp"

#include "examples/arguments.hpp"
#include "ffnet/core/error.hpp"

namespace ffnet::cli {
namespace {

const std::vector<OptionSpec> kOptions = {
    {"weights", "FILE", "converted model (.safetensors, see scripts/convert_checkpoint.py)"},
    {"model", "NAME", "model name, if the weights file does not record it"},
    {"input", "PATH", "a PNG/JPEG/BMP picture, a float32 1x3xHxW .npy tensor (already normalised), "
                      "or a directory of pictures (processed in name order)"},
    {"labels", "PATH", "write train ids (8-bit PNG at input resolution)"},
    {"color", "PATH", "write the labels in the Cityscapes palette (PNG)"},
    {"overlay", "PATH", "write the palette blended over the picture (PNG)"},
    {"logits", "PATH", "write the raw output, 1x19xhxw or 1x1000 float32 (.npy)"},
    {"alpha", "A", "overlay opacity from 0 to 1 (default 0.5)"},
    {"size", "HxW", "resize the input to HxW first (default: the model's natural size)"},
    {"keep-size", "", "run at the input's own size"},
    {"topk", "K", "classification models: print the K most probable classes (default 5)"},
    {"threads", "N", "threads to use (default: all cores)"},
    {"quiet", "", "no progress bar"},
    {"profile", "", "print a per-layer time table and the peak activation memory"},
    {"benchmark", "N", "time N forwards after one warm-up; print median_ms, min_ms, peak_rss_mb, gflop"},
    {"isa", "NAME", "instruction-set level: scalar, avx2_fma, avx_vnni, avx512, avx512_vnni, neon, neon_dot "
                    "(default: the richest this CPU supports)"},
    {"reference", "", "run every op through the naive reference implementation (slow)"},
    {"exact", "", "no Winograd: every convolution summed exactly as the reference does"},
    {"max-image-side", "N", "refuse pictures wider or taller than N pixels (default 16384)"},
    {"max-megapixels", "N", "refuse pictures of more than N million pixels (default 100)"},
    {"help", "", "show this help"},
};

constexpr const char* kUsage =
    "usage: ffnet-segment --weights W.safetensors --input PICTURE|X.npy|DIR\n"
    "                     [--labels OUT] [--color OUT] [--overlay OUT] [--logits OUT] [options]\n"
    "Outputs name files for a single input and directories for a directory input.";

ImageSize parse_size(const std::string& text) {
  const auto x = text.find('x');
  auto number = [&](const std::string& s) {
    if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string::npos)
      throw_usage("--size must look like 512x1024, got '" + text + "'");
    return std::stoi(s);
  };
  if (x == std::string::npos) throw_usage("--size must look like 512x1024, got '" + text + "'");
  ImageSize size{number(text.substr(0, x)), number(text.substr(x + 1))};
  if (size.height < 1 || size.width < 1 || size.height > kMaxImageSideCompiled || size.width > kMaxImageSideCompiled)
    throw_usage("--size is out of range: '" + text + "'");
  return size;
}

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
  if (args.has("size")) o.size = parse_size(args.get("size"));
  o.keep_size = args.has("keep-size");
  if (o.size && o.keep_size) throw_usage("--size and --keep-size exclude each other");
  o.topk = args.get_int("topk", 5, 1, 1000);
  o.threads = args.get_int("threads", 0, 1, 1024);
  o.quiet = args.has("quiet");
  o.profile = args.has("profile");
  o.benchmark_runs = args.get_int("benchmark", 0, 1, 100000);
  o.limits.max_side = args.get_int("max-image-side", o.limits.max_side, 1, kMaxImageSideCompiled);
  o.limits.max_pixels = std::int64_t(args.get_int("max-megapixels", 100, 1, 4096)) * 1'000'000;
  return o;
}

}  // namespace ffnet::cli
