// ffnet-segment: run an FFNet model on pictures or tensors from the shell.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "examples/exit_codes.hpp"
#include "examples/profiler.hpp"
#include "examples/progress.hpp"
#include "examples/segment_jobs.hpp"
#include "examples/segment_options.hpp"
#include "ffnet/ffnet.hpp"
#include "ffnet/segmentation.hpp"


namespace {

using ffnet::cli::Job;
using ffnet::cli::SegmentOptions;

class Segmenter {
 public:
  Segmenter(const SegmentOptions& options, const ffnet::Network& net)
      : options_(options), net_(net), ws_(options.threads), profiler_(net) {
    if (options.profile) ws_.observer = [this](const ffnet::NodeEvent& e) { profiler_.record(e); };
    const bool classification = net.config().task == ffnet::Task::classification;
    if (classification && options.wants_segmentation_output())
      ffnet::throw_usage(net.config().name + " is a classification model: --labels, --color and --overlay do not apply");
    if (!classification && !options.wants_segmentation_output() && options.logits.empty() &&
        options.benchmark_runs == 0 && !options.profile)
      ffnet::throw_usage("nothing to do: give at least one of --labels, --color, --overlay, --logits, --benchmark");
  }

  void run(const Job& job, bool print_name) {
    if (ffnet::cli::is_npy(job.input) && !job.overlay.empty())
      ffnet::throw_usage("--overlay needs a picture as input, not a .npy tensor");
    const ffnet::cli::LoadedInput in = ffnet::cli::load_input(
        job.input, options_.sizing, ffnet::natural_input_size(net_.config().name), ws_.threads());
    const ffnet::Tensor& input = in.tensor;
    const ffnet::Image& photo = in.photo;
    const int height = in.height, width = in.width;

    ffnet::Tensor output;
    if (options_.profile && !warmed_up_) {  // profile warm runs, not the first touch of memory
      auto observer = std::move(ws_.observer);
      ws_.observer = nullptr;
      net_.forward(input, output, ws_);
      ws_.observer = std::move(observer);
      warmed_up_ = true;
    }
    net_.forward(input, output, ws_);
    if (options_.benchmark_runs) benchmark(input, output);
    if (net_.config().task == ffnet::Task::classification) {
      print_top_k(job, output, print_name);
    } else if (options_.wants_segmentation_output()) {
      // The authors evaluate GPU models with align_corners=True and mobile models with False.
      const auto labels = ffnet::label_map(output.image(0), height, width, !net_.config().mobile, ws_.threads());
      if (!job.labels.empty()) ffnet::write_png(job.labels, width, height, 1, labels.data());
      if (!job.color.empty()) ffnet::write_png(job.color, width, height, 3, ffnet::colorize(labels).data());
      if (!job.overlay.empty())
        ffnet::write_png(job.overlay, width, height, 3, ffnet::overlay(photo, labels, options_.alpha).data());
    }
    if (!job.logits.empty()) ffnet::weights::write_npy(job.logits, output);
  }

  void print_profile() const {
    if (options_.profile) profiler_.print(stdout, ws_);
  }

 private:
  const SegmentOptions& options_;
  const ffnet::Network& net_;
  ffnet::Workspace ws_;
  ffnet::cli::Profiler profiler_;
  bool warmed_up_ = false;

  void benchmark(const ffnet::Tensor& input, ffnet::Tensor& output) {
    std::vector<double> ms;
    for (int i = 0; i < options_.benchmark_runs; ++i) {
      auto start = std::chrono::steady_clock::now();
      net_.forward(input, output, ws_);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    const std::size_t n = ms.size();
    const double median = n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const double gflop = net_.flops(input.image_dims()) * 1e-9;
    std::printf("median_ms=%.3f min_ms=%.3f peak_rss_mb=%.1f gflop=%.2f\n", median, ms.front(),
                double(usage.ru_maxrss) / 1024.0, gflop);
  }

  void print_top_k(const Job& job, const ffnet::Tensor& output, bool print_name) const {
    if (print_name) std::printf("%s\n", job.input.c_str());
    const auto scores = ffnet::top_k(output.data(), int(output.size()), options_.topk);
    for (std::size_t i = 0; i < scores.size(); ++i)
      std::printf("%3zu. class %4d  p=%.4f\n", i + 1, scores[i].id, double(scores[i].probability));
  }
};

int run(int argc, char** argv) {
  const SegmentOptions options = ffnet::cli::parse_segment_options(argc, argv);
  if (options.help) {
    std::printf("%s", ffnet::cli::segment_help().c_str());
    return ffnet::cli::kOk;
  }
  const std::vector<Job> jobs = ffnet::cli::plan_jobs(options);  // before anything is loaded or written
  const ffnet::Network net = ffnet::Network::load(options.weights, options.load);
  ffnet::cli::create_output_directories(options);
  if (jobs.size() > 1 && options.benchmark_runs) ffnet::throw_usage("--benchmark takes a single input, not a directory");
  Segmenter segmenter(options, net);
  ffnet::cli::Progress progress(jobs.size(), jobs.size() > 1 && !options.quiet);
  std::size_t failed = 0;
  for (const Job& job : jobs) {
    try {
      segmenter.run(job, jobs.size() > 1);
    } catch (const ffnet::Error& e) {
      // In a directory run, a bad picture is reported and the others still processed.
      if (jobs.size() == 1 || e.kind() != ffnet::ErrorKind::input) throw;
      std::fprintf(stderr, "ffnet-segment: %s\n", e.what());
      ++failed;
    }
    progress.step();
  }
  progress.finish();
  segmenter.print_profile();
  if (failed) ffnet::throw_input(std::to_string(failed) + " of " + std::to_string(jobs.size()) + " inputs failed");
  return ffnet::cli::kOk;
}

}  // namespace

int main(int argc, char** argv) { return ffnet::cli::run_reporting_errors("ffnet-segment", run, argc, argv); }
