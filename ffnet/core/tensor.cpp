#include "ffnet/core/tensor.hpp"

#include <cmath>

namespace ffnet {

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::f32: return "F32";
    case DType::f16: return "F16";
    case DType::bf16: return "BF16";
    case DType::f64: return "F64";
    case DType::i8: return "I8";
    case DType::u8: return "U8";
    case DType::i16: return "I16";
    case DType::i32: return "I32";
    case DType::i64: return "I64";
    case DType::boolean: return "BOOL";
  }
  return "?";
}

std::vector<std::int64_t> first_non_finite(ConstBatch t) {
  const float* data = t.data;
  const std::size_t size = t.size();
  for (std::size_t i = 0; i < size; ++i) {
    if (std::isfinite(data[i])) continue;
    std::vector<std::int64_t> index(t.shape.size());
    std::size_t rest = i;
    for (std::size_t d = index.size(); d-- > 0;) {
      index[d] = std::int64_t(rest % std::size_t(t.shape[d]));
      rest /= std::size_t(t.shape[d]);
    }
    return index;
  }
  return {};
}

void check_finite(ConstBatch t, const std::string& name) {
  const std::vector<std::int64_t> index = first_non_finite(t);
  if (index.empty()) return;
  std::string at = "[";
  std::size_t flat = 0;
  for (std::size_t d = 0; d < index.size(); ++d) {
    at += (d ? ", " : "") + std::to_string(index[d]);
    flat = flat * std::size_t(t.shape[d]) + std::size_t(index[d]);
  }
  const char* what = std::isnan(t.data[flat]) ? "NaN" : "infinite";
  throw_input(name + ": element " + at + "] is " + what +
              "; the network needs finite inputs (NaN would spread through the outputs)");
}

}  // namespace ffnet
