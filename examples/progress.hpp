#pragma once
// A progress line on stderr for directory runs: images done, images per second, time left.
// Redrawn in place on a terminal; one line per image otherwise (logs stay readable).
#include <chrono>
#include <cstddef>

namespace ffnet::cli {

class Progress {
 public:
  Progress(std::size_t total, bool enabled);
  void step();    // one more image done
  void finish();  // ends the line on a terminal

 private:
  std::size_t total_;
  std::size_t done_ = 0;
  bool enabled_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace ffnet::cli
