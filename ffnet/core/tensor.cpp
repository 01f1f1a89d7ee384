#include "ffnet/core/tensor.hpp"

#include <cmath>

namespace ffnet {

std::vector<std::int64_t> first_non_finite(const Tensor& t) {
  const float* data = t.data();
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (std::isfinite(data[i])) continue;
    std::vector<std::int64_t> index(t.shape().size());
    std::size_t rest = i;
    for (std::size_t d = index.size(); d-- > 0;) {
      index[d] = std::int64_t(rest % std::size_t(t.shape()[d]));
      rest /= std::size_t(t.shape()[d]);
    }
    return index;
  }
  return {};
}

void check_finite(const Tensor& t, const std::string& name) {
  const std::vector<std::int64_t> index = first_non_finite(t);
  if (index.empty()) return;
  std::string at = "[";
  std::size_t flat = 0;
  for (std::size_t d = 0; d < index.size(); ++d) {
    at += (d ? ", " : "") + std::to_string(index[d]);
    flat = flat * std::size_t(t.shape()[d]) + std::size_t(index[d]);
  }
  const char* what = std::isnan(t.data()[flat]) ? "NaN" : "infinite";
  throw_input(name + ": element " + at + "] is " + what +
              "; the network needs finite inputs (NaN would spread through the outputs)");
}

}  // namespace ffnet
