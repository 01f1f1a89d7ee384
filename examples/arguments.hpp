#pragma once
// A small command-line parser: declared options with help text, `--name value` or
// `--name=value`, flags without values, typed accessors that fail with usage errors.
#include <map>
#include <string>
#include <vector>

namespace ffnet::cli {

struct OptionSpec {
  std::string name;  // without the leading dashes
  std::string value_name;  // empty for flags; ending in "...": one or more values, up to the next option
  std::string help;
};

class Arguments {
 public:
  Arguments(std::vector<OptionSpec> specs, int argc, char** argv);

  bool has(const std::string& name) const { return values_.count(name) != 0; }
  std::string get(const std::string& name, const std::string& fallback = "") const;
  std::string required(const std::string& name) const;
  std::vector<std::string> get_all(const std::string& name) const;  // every value of a "..." option
  int get_int(const std::string& name, int fallback, int min, int max) const;
  double get_double(const std::string& name, double fallback, double min, double max) const;

  std::string help(const std::string& usage) const;

 private:
  std::vector<OptionSpec> specs_;
  std::map<std::string, std::string> values_;
  std::map<std::string, std::vector<std::string>> lists_;
};

}  // namespace ffnet::cli
