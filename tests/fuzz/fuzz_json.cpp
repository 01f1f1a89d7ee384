// libFuzzer target: the strict JSON parser on arbitrary text. Malformed text must end in
// ffnet::Error; anything else (a crash, a sanitizer report, another exception) is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ffnet/core/error.hpp"
#include "weights/json.hpp"

namespace {

// Touches every node through the public accessors; returns the node count.
std::size_t walk(const ffnet::json::Value& v) {
  std::size_t nodes = 1;
  switch (v.type()) {
    case ffnet::json::Value::Type::array:
      for (const auto& item : v.as_array()) nodes += walk(item);
      break;
    case ffnet::json::Value::Type::object:
      for (std::size_t i = 0; i < v.keys().size(); ++i) {
        if (v.find(v.keys()[i]) != &v.values()[i]) __builtin_trap();  // keys are unique
        nodes += walk(v.values()[i]);
      }
      break;
    case ffnet::json::Value::Type::number:
      if (v.is_integer() && double(v.as_int()) != v.as_number()) __builtin_trap();
      break;
    default:
      break;
  }
  return nodes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    walk(ffnet::json::parse(text));
  } catch (const ffnet::Error& e) {
    if (e.kind() != ffnet::ErrorKind::input) __builtin_trap();
  }
  return 0;
}
