// libFuzzer target: the .npy reader on an in-memory file. An accepted file gives a tensor of
// rank >= 1 whose float32 data is smaller than the file it came from, every element readable.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ffnet/core/error.hpp"
#include "weights/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const ffnet::Tensor t = ffnet::weights::read_npy(*ffnet::weights::memory_source(bytes, "fuzz.npy"));
    if (t.rank() < 1 || t.size() * sizeof(float) >= size) __builtin_trap();
    float sum = 0;
    for (std::size_t i = 0; i < t.size(); ++i) sum += t.data()[i];  // every element is readable
    (void)sum;
  } catch (const ffnet::Error& e) {
    if (e.kind() != ffnet::ErrorKind::input) __builtin_trap();
  }
  return 0;
}
