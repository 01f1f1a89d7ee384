#include "examples/paths.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <map>

#include "ffnet/core/error.hpp"

namespace fs = std::filesystem;

namespace ffnet::cli {

std::string file_identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return "inode " + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  std::error_code ec;
  const fs::path resolved = fs::weakly_canonical(fs::absolute(path), ec);
  return "path " + (ec ? fs::absolute(path).lexically_normal() : resolved).string();
}

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

}  // namespace ffnet::cli
