#pragma once
// Folding inference-mode batch norm into the convolution before it, once at load:
//   scale[o] = gamma[o] / sqrt(running_var[o] + eps)
//   w'[o]    = w[o] * scale[o]
//   b'[o]    = (b[o] - running_mean[o]) * scale[o] + beta[o]
#include <cstddef>

namespace ffnet::weights {

inline constexpr double kBatchNormEps = 1e-5;

struct BatchNormParams {
  const float* gamma;         // BN weight
  const float* beta;          // BN bias
  const float* running_mean;
  const float* running_var;
};

// weight: out_channels rows of `per_output` floats; bias: out_channels floats (the conv's own
// bias, or zeros). Both updated in place; computed in double. Throws ffnet::Error(input)
// naming `what` if running_var + eps is not positive.
void fold_batchnorm(const char* what, int out_channels, std::size_t per_output, float* weight,
                    float* bias, const BatchNormParams& bn);

}  // namespace ffnet::weights
