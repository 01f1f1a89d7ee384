#pragma once
// Argument checks shared by the ops. A mismatch here is a bug in the caller (internal error);
// sizes that make an op impossible are reported by the ops themselves as input errors.
#include <span>
#include <string>

#include "ffnet/core/error.hpp"
#include "ffnet/core/tensor.hpp"

namespace ffnet::ops::detail {

inline void check_threads(const char* op, int threads) {
  if (threads < 1) throw_internal(std::string(op) + ": thread count " + std::to_string(threads) + " < 1");
}

inline void check_same_dims(const char* op, const char* what, Dims got, Dims want) {
  if (!(got == want))
    throw_internal(std::string(op) + ": " + what + " dims " + got.str() + " != " + want.str());
}

inline void check_not_empty(const char* op, Dims d) {
  if (d.c < 1 || d.h < 1 || d.w < 1)
    throw_input(std::string(op) + ": empty tensor " + d.str());
}

// Inputs of a channel concatenation: the output's height and width, channels summing to its.
inline void check_concat(std::span<const Dims> inputs, Dims out) {
  int channels = 0;
  for (const Dims& in : inputs) {
    check_same_dims("concat_channels", "input", in, Dims{in.c, out.h, out.w});
    channels += in.c;
  }
  if (inputs.empty() || channels != out.c)
    throw_internal("concat_channels: inputs have " + std::to_string(channels) + " channels, output " +
                   std::to_string(out.c));
}
inline void check_concat(std::span<const ConstView> inputs, Dims out) {
  constexpr std::size_t kMaxInputs = 16;
  if (inputs.size() > kMaxInputs) throw_internal("concat_channels: more than 16 inputs");
  Dims dims[kMaxInputs];
  for (std::size_t i = 0; i < inputs.size(); ++i) dims[i] = inputs[i].dims;
  check_concat(std::span<const Dims>(dims, inputs.size()), out);
}

// The number of inputs an op takes: exactly `count` (or at least 1 when count is 0).
inline void check_input_count(const char* op, std::size_t got, std::size_t count) {
  if (got == 0 || (count != 0 && got != count))
    throw_internal(std::string(op) + ": " + std::to_string(got) + " inputs, expected " + std::to_string(count));
}

// A fully connected layer's parameters (bias may be empty) and views (C x 1 x 1).
inline void check_linear(std::size_t weights, std::size_t biases, int in_features, int out_features) {
  if (in_features < 1 || out_features < 1 || weights != std::size_t(in_features) * std::size_t(out_features) ||
      (biases != 0 && biases != std::size_t(out_features)))
    throw_internal("linear: parameters do not match " + std::to_string(in_features) + " -> " +
                   std::to_string(out_features));
}
inline void check_linear_views(Dims in, Dims out, int in_features, int out_features) {
  check_same_dims("linear", "input", in, Dims{in_features, 1, 1});
  check_same_dims("linear", "output", out, Dims{out_features, 1, 1});
}

// The pre-down smoothing's weights: [channels][5][5].
inline void check_smoothing_weight(std::size_t weights, int channels) {
  if (channels < 1 || weights != std::size_t(channels) * 25)
    throw_internal("pre_down_smooth: " + std::to_string(weights) + " weights for " + std::to_string(channels) +
                   " channels");
}

}  // namespace ffnet::ops::detail
