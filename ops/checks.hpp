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
inline void check_concat(std::span<const ConstView> inputs, Dims out) {
  int channels = 0;
  for (const ConstView& in : inputs) {
    check_same_dims("concat_channels", "input", in.dims, Dims{in.dims.c, out.h, out.w});
    channels += in.dims.c;
  }
  if (channels != out.c)
    throw_internal("concat_channels: inputs have " + std::to_string(channels) +
                   " channels, output " + std::to_string(out.c));
}

}  // namespace ffnet::ops::detail
