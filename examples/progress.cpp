#include "examples/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace ffnet::cli {

Progress::Progress(std::size_t total, bool enabled)
    : total_(total), enabled_(enabled), terminal_(isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()) {}

void Progress::step() {
  ++done_;
  if (!enabled_) return;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = seconds > 0 ? double(done_) / seconds : 0;
  const double left = rate > 0 ? double(total_ - done_) / rate : 0;
  constexpr int kBarWidth = 30;
  const int filled = int(double(kBarWidth) * double(done_) / double(total_));
  char bar[kBarWidth + 1];
  for (int i = 0; i < kBarWidth; ++i) bar[i] = i < filled ? '#' : '.';
  bar[kBarWidth] = '\0';
  std::fprintf(stderr, "%s[%s] %zu/%zu images, %.2f images/s, %.0f s left%s", terminal_ ? "\r" : "", bar, done_,
               total_, rate, left, terminal_ ? "  " : "\n");
  std::fflush(stderr);
}

void Progress::finish() {
  if (enabled_ && terminal_ && done_ > 0) std::fputc('\n', stderr);
}

}  // namespace ffnet::cli
