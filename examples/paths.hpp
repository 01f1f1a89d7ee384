#pragma once
// What the commands share about the paths they are given: which name one file, and sizes.
#include <string>
#include <vector>

#include "ffnet/image.hpp"
#include "ffnet/registry.hpp"

namespace ffnet::cli {

// The file a path names, however it is spelt: device and inode for what exists (symlinks
// followed, hard links alike), the absolute path with symlinks of its existing part resolved
// for what does not exist yet.
std::string file_identity(const std::string& path);

// A path and the option it came from, for the messages.
struct Named {
  std::string option;
  std::string path;
  std::string what() const { return option + " " + path; }
};

// Refuses (usage error) two of `paths` that name one file, where the second is an output (its
// index >= outputs_from): an output must not replace an input nor another output.
void refuse_same_files(const std::vector<Named>& paths, std::size_t outputs_from);

// "HxW" as given to --size; throws a usage error for anything else.
ImageSize parse_size(const std::string& text);

}  // namespace ffnet::cli
