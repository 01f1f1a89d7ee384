#pragma once
// A limit on weight memory made on first need (Winograd's transformed weights), shared by every
// op of a network and every Workspace running it. Thread-safe.
#include <atomic>
#include <cstddef>

namespace ffnet::ops {

class WeightBudget {
 public:
  explicit WeightBudget(std::size_t limit_bytes) : limit_(limit_bytes) {}
  // Takes `bytes` from the budget if they fit, and says whether they did.
  bool try_reserve(std::size_t bytes) {
    std::size_t used = used_.load(std::memory_order_relaxed);
    do {
      if (bytes > limit_ - used) return false;
    } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
    return true;
  }
  std::size_t used() const { return used_.load(std::memory_order_relaxed); }
  std::size_t limit() const { return limit_; }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> used_{0};
};

}  // namespace ffnet::ops
