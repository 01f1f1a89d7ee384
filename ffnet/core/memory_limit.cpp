#include "ffnet/core/memory_limit.hpp"

#include <unistd.h>

#include "ffnet/core/error.hpp"

namespace ffnet {

std::size_t physical_memory_bytes() {
  static const std::size_t bytes = [] {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page_size = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page_size > 0 ? std::size_t(pages) * std::size_t(page_size) : std::size_t{0};
  }();
  return bytes;
}

std::size_t default_memory_limit() {
  const std::size_t physical = physical_memory_bytes();
  return physical ? physical / 4 * 3 : std::size_t{64} << 30;
}

void check_memory_limit(std::size_t bytes, std::size_t limit, const std::string& what, const char* limit_name) {
  if (bytes <= limit) return;
  throw_input(what + " needs " + std::to_string(bytes >> 20) + " MiB, more than " + limit_name + " (" +
              std::to_string(limit >> 20) + " MiB)");
}

}  // namespace ffnet
