#include "weights/byte_source.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "ffnet/core/error.hpp"

namespace ffnet::weights {
namespace {

[[noreturn]] void out_of_range(const std::string& name, std::uint64_t offset, std::size_t count,
                               std::uint64_t size) {
  throw_input(name + ": truncated: needs bytes " + std::to_string(offset) + ".." +
              std::to_string(offset + count) + " but has only " + std::to_string(size));
}

void check_range(const std::string& name, std::uint64_t offset, std::size_t count,
                 std::uint64_t size) {
  if (offset > size || count > size - offset) out_of_range(name, offset, count, size);
}

class FileSource final : public ByteSource {
 public:
  explicit FileSource(const std::string& path) : name_(path) {
    file_ = std::fopen(path.c_str(), "rb");
    if (!file_) throw_input(path + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (fstat(fileno(file_), &st) != 0 || !S_ISREG(st.st_mode)) {
      std::fclose(file_);
      throw_input(path + ": not a regular file");
    }
    size_ = std::uint64_t(st.st_size);
  }
  ~FileSource() override { std::fclose(file_); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  std::uint64_t size() const override { return size_; }
  const std::string& name() const override { return name_; }
  void read(std::uint64_t offset, void* dst, std::size_t count) const override {
    check_range(name_, offset, count, size_);
    if (count == 0) return;
    if (fseeko(file_, off_t(offset), SEEK_SET) != 0 || std::fread(dst, 1, count, file_) != count)
      throw_input(name_ + ": read failed at byte " + std::to_string(offset) +
                  " (was the file changed while loading?)");
  }

 private:
  std::string name_;
  std::FILE* file_ = nullptr;
  std::uint64_t size_ = 0;
};

class MemorySource final : public ByteSource {
 public:
  MemorySource(std::string_view bytes, std::string label) : bytes_(bytes), name_(std::move(label)) {}
  std::uint64_t size() const override { return bytes_.size(); }
  const std::string& name() const override { return name_; }
  void read(std::uint64_t offset, void* dst, std::size_t count) const override {
    check_range(name_, offset, count, bytes_.size());
    if (count) std::memcpy(dst, bytes_.data() + offset, count);
  }

 private:
  std::string_view bytes_;
  std::string name_;
};

}  // namespace

std::unique_ptr<ByteSource> open_file(const std::string& path) {
  return std::make_unique<FileSource>(path);
}

std::unique_ptr<ByteSource> memory_source(std::string_view bytes, std::string label) {
  return std::make_unique<MemorySource>(bytes, std::move(label));
}

}  // namespace ffnet::weights
