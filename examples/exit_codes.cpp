#include "examples/exit_codes.hpp"

#include <cstdio>
#include <exception>
#include <new>

namespace ffnet::cli {

int run_reporting_errors(const char* command, int (*run)(int, char**), int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const Error& e) {
    std::fprintf(stderr, "%s: %s\n", command, e.what());
    if (e.kind() == ErrorKind::usage) std::fprintf(stderr, "(%s --help lists the options)\n", command);
    return exit_code(e.kind());
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "%s: out of memory\n", command);
    return kInputError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: internal error: %s\n", command, e.what());
    return kInternalError;
  }
}

}  // namespace ffnet::cli
