#include "weights/batchnorm.hpp"

#include <cmath>
#include <string>

#include "ffnet/core/error.hpp"

namespace ffnet::weights {

void fold_batchnorm(const char* what, int out_channels, std::size_t per_output, float* weight,
                    float* bias, const BatchNormParams& bn) {
  for (int o = 0; o < out_channels; ++o) {
    const double var = double(bn.running_var[o]) + kBatchNormEps;
    if (!(var > 0))
      throw_input(std::string(what) + ": running_var[" + std::to_string(o) + "] = " +
                  std::to_string(bn.running_var[o]) + " makes the batch norm undefined");
    const double scale = double(bn.gamma[o]) / std::sqrt(var);
    float* row = weight + std::size_t(o) * per_output;
    for (std::size_t i = 0; i < per_output; ++i) row[i] = float(double(row[i]) * scale);
    bias[o] = float((double(bias[o]) - double(bn.running_mean[o])) * scale + double(bn.beta[o]));
  }
}

}  // namespace ffnet::weights
