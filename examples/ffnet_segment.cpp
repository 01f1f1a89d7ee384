// ffnet-segment: run an FFNet model from the shell.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
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
    {"exact", "", "no Winograd: every convolution summed exactly as the reference does"},
    {"benchmark", "N", "time N forward passes after one warm-up; print median_ms, min_ms, peak_rss_mb, gflop"},
    {"help", "", "show this help"},
};

constexpr const char* kUsage =
    "usage: ffnet-segment --weights W.safetensors --input X.npy --logits Y.npy [--threads N]";

// Times `runs` forward passes (the warm-up has been done by the caller). Load time excluded.
void print_benchmark(const ffnet::Network& net, const ffnet::Tensor& input, ffnet::Tensor& output,
                     ffnet::Workspace& ws, int runs) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    net.forward(input, output, ws);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  const double median = runs % 2 ? ms[std::size_t(runs / 2)] : 0.5 * (ms[std::size_t(runs / 2 - 1)] + ms[std::size_t(runs / 2)]);
  rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  const std::vector<ffnet::Dims> dims = ffnet::infer_dims(net.graph(), input.image_dims());
  const double gflop = ffnet::graph_flops(net.graph(), dims) * double(input.batch()) * 1e-9;
  std::printf("median_ms=%.3f min_ms=%.3f peak_rss_mb=%.1f gflop=%.2f\n", median, ms.front(),
              double(usage.ru_maxrss) / 1024.0, gflop);
}

int run(int argc, char** argv) {
  ffnet::cli::Arguments args(kOptions, argc, argv);
  if (args.has("help")) {
    std::printf("%s", args.help(kUsage).c_str());
    return ffnet::cli::kOk;
  }
  ffnet::LoadOptions load;
  load.model = args.get("model");
  load.reference_ops = args.has("reference");
  load.winograd = !args.has("exact");
  if (args.has("isa")) load.isa = ffnet::ops::parse_isa(args.get("isa"));
  const std::string input_path = args.required("input");
  const int benchmark_runs = args.get_int("benchmark", 0, 1, 100000);
  const std::string logits_path = benchmark_runs ? args.get("logits") : args.required("logits");
  const int threads = args.get_int("threads", 0, 1, 1024);

  ffnet::Network net = ffnet::Network::load(args.required("weights"), load);
  ffnet::Tensor input = ffnet::weights::read_npy(input_path);
  if (input.rank() != 4 || input.shape()[0] != 1 || input.shape()[1] != 3)
    ffnet::throw_input(input_path + ": expected a 1x3xHxW array, got shape " + input.shape_str());
  ffnet::Workspace ws(threads);
  ffnet::Tensor logits;
  net.forward(input, logits, ws);
  if (benchmark_runs) print_benchmark(net, input, logits, ws, benchmark_runs);
  if (!logits_path.empty()) ffnet::weights::write_npy(logits_path, logits);
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
