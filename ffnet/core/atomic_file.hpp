#pragma once
// Writing a file so that it either appears complete or not at all: the bytes go to a
// temporary file in the same directory, which is renamed over the target by commit().
// Destroying an uncommitted AtomicFile (an error, an exception) removes the temporary.
#include <cstddef>
#include <string>

namespace ffnet {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, std::size_t size);  // throws ffnet::Error(input) on failure
  void commit();                                    // flush, fsync, rename over the target

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
};

// Convenience: the whole file from one buffer.
void write_file_atomically(const std::string& path, const void* data, std::size_t size);

}  // namespace ffnet
