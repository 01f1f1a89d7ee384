#pragma once
// Exit codes of the command-line tools (documented in the README).
#include "ffnet/core/error.hpp"

namespace ffnet::cli {

enum ExitCode : int {
  kOk = 0,
  kUsageError = 2,     // bad or missing options, unknown model name
  kInputError = 3,     // a file is missing, malformed, inconsistent or too large
  kInternalError = 4,  // a bug or an unexpected system failure
};

inline int exit_code(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::usage: return kUsageError;
    case ErrorKind::input: return kInputError;
    case ErrorKind::internal: return kInternalError;
  }
  return kInternalError;
}

// A command's main: `run`, with every error it throws printed as "<command>: <message>" on stderr
// and turned into its exit code (out of memory: an input error; anything unexpected: internal).
int run_reporting_errors(const char* command, int (*run)(int, char**), int argc, char** argv);

}  // namespace ffnet::cli
