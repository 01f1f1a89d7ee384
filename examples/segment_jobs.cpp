#include "examples/segment_jobs.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "ffnet/core/error.hpp"
#include "ffnet/image.hpp"

namespace fs = std::filesystem;

namespace ffnet::cli {
namespace {

// The file a path names, however it is spelt: device and inode for what exists (symlinks
// followed, hard links alike), the absolute path with symlinks of its existing part resolved
// for what does not exist yet.
std::string file_identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return "inode " + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  std::error_code ec;
  const fs::path resolved = fs::weakly_canonical(fs::absolute(path), ec);
  return "path " + (ec ? fs::absolute(path).lexically_normal() : resolved).string();
}

// A path and the option it came from, for the messages.
struct Named {
  std::string option;
  std::string path;
  std::string what() const { return option + " " + path; }
};

// Refuses two of `paths` that name one file; `outputs_from` is the index of the first output.
void refuse_same_files(const std::vector<Named>& paths, std::size_t outputs_from) {
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const auto [it, fresh] = seen.emplace(file_identity(paths[i].path), i);
    if (fresh || i < outputs_from) continue;
    const Named& other = paths[it->second];
    if (it->second < outputs_from)
      throw_usage(paths[i].what() + " is the same file as " + other.what() + ": an output must not replace an input");
    throw_usage(paths[i].what() + " and " + other.what() + " name the same file: each output needs a file of its own");
  }
}

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
