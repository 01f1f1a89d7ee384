#pragma once
// Errors thrown by the library. The kind decides the command-line exit code.
#include <stdexcept>
#include <string>

namespace ffnet {

enum class ErrorKind {
  usage,     // the caller asked for something impossible (bad option, unknown model name)
  input,     // a file or tensor from outside is malformed, inconsistent or too large
  internal,  // a bug or an unexpected system failure
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

[[noreturn]] inline void throw_usage(const std::string& message) { throw Error(ErrorKind::usage, message); }
[[noreturn]] inline void throw_input(const std::string& message) { throw Error(ErrorKind::input, message); }
[[noreturn]] inline void throw_internal(const std::string& message) {
  throw Error(ErrorKind::internal, message);
}

}  // namespace ffnet
