// Runs a fuzz target's LLVMFuzzerTestOneInput over files, without libFuzzer: the seed corpus
// and the regression inputs are replayed by `meson test` in every build (and under the
// sanitizers in scripts/test_hardened.sh). usage: replay DIR_OR_FILE...
// Each directory must hold at least one file, so a missing corpus fails instead of passing.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void replay(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::printf("  %s (%zu bytes)\n", path.string().c_str(), bytes.size());
  std::fflush(stdout);  // the name is out before a crash
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg = argv[i];
    if (!fs::is_directory(arg)) {
      replay(arg);
      ++count;
      continue;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(arg))
      if (entry.is_regular_file()) files.push_back(entry.path());
    if (files.empty()) {
      std::fprintf(stderr, "replay: no input files in %s\n", arg.c_str());
      return 1;
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) replay(f);
    count += files.size();
  }
  std::printf("replayed %zu inputs\n", count);
  return count ? 0 : 1;
}
