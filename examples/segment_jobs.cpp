#include "examples/segment_jobs.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include "examples/paths.hpp"
#include "ffnet/core/error.hpp"
#include "ffnet/image.hpp"

namespace fs = std::filesystem;

namespace ffnet::cli {
namespace {

std::vector<std::string> pictures_in(const std::string& dir) {
  std::vector<std::string> pictures;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file() && has_image_extension(entry.path().string())) pictures.push_back(entry.path().string());
  std::sort(pictures.begin(), pictures.end());
  if (pictures.empty()) throw_input(dir + ": no PNG, JPEG or BMP pictures in this directory");
  return pictures;
}

void create_output_dir(const std::string& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw_input(dir + ": cannot create directory: " + ec.message());
}

std::vector<Job> plan_directory(const SegmentOptions& o) {
  const std::vector<std::string> pictures = pictures_in(o.input);
  const Named dirs[] = {{"--labels", o.labels}, {"--color", o.color}, {"--overlay", o.overlay}, {"--logits", o.logits}};
  const std::string input_dir = file_identity(o.input);
  for (const Named& dir : dirs) {
    if (dir.path.empty()) continue;
    if (fs::exists(dir.path) && !fs::is_directory(dir.path))
      throw_usage(dir.what() + ": the input is a directory, so outputs must be directories too");
    if (file_identity(dir.path) == input_dir)
      throw_usage(dir.what() + " is the input directory: outputs would replace its pictures; choose another directory");
  }
  // Outputs are named after the picture's stem; pictures sharing a stem (a.png, a.jpg) keep
  // their extension in the name (a.png.png, a.jpg.png) so that none overwrites another.
  std::map<std::string, int> stems;
  for (const auto& p : pictures) ++stems[fs::path(p).stem().string()];
  std::vector<Job> jobs;
  std::vector<Named> paths{{"--weights", o.weights}};
  for (const auto& p : pictures) paths.push_back({"--input picture", p});
  const std::size_t outputs_from = paths.size();
  for (const auto& p : pictures) {
    const fs::path picture(p);
    const std::string base = stems[picture.stem().string()] > 1 ? picture.filename().string() : picture.stem().string();
    auto in = [&](const std::string& dir, const char* ext) { return dir.empty() ? dir : (fs::path(dir) / base).string() + ext; };
    jobs.push_back({p, in(o.labels, ".png"), in(o.color, ".png"), in(o.overlay, ".png"), in(o.logits, ".npy")});
    const Job& job = jobs.back();
    for (const Named& out : {Named{"--labels", job.labels}, Named{"--color", job.color}, Named{"--overlay", job.overlay},
                             Named{"--logits", job.logits}})
      if (!out.path.empty()) paths.push_back(out);
  }
  refuse_same_files(paths, outputs_from);
  return jobs;
}

}  // namespace

void create_output_directories(const SegmentOptions& o) {
  if (!fs::is_directory(o.input)) return;
  for (const std::string& dir : {o.labels, o.color, o.overlay, o.logits}) create_output_dir(dir);
}

std::vector<Job> plan_jobs(const SegmentOptions& o) {
  if (fs::is_directory(o.input)) return plan_directory(o);
  const Job job{o.input, o.labels, o.color, o.overlay, o.logits};
  std::vector<Named> paths{{"--weights", o.weights}, {"--input", o.input}};
  for (const Named& out : {Named{"--labels", job.labels}, Named{"--color", job.color}, Named{"--overlay", job.overlay},
                           Named{"--logits", job.logits}}) {
    if (out.path.empty()) continue;
    if (fs::is_directory(out.path)) throw_usage(out.what() + " is a directory: the input is one file, so outputs are files");
    paths.push_back(out);
  }
  refuse_same_files(paths, 2);
  return {job};
}

}  // namespace ffnet::cli
