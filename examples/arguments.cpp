#include "examples/arguments.hpp"

#include <charconv>

#include "ffnet/core/error.hpp"

namespace ffnet::cli {

Arguments::Arguments(std::vector<OptionSpec> specs, int argc, char** argv) : specs_(std::move(specs)) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) throw_usage("unexpected argument '" + arg + "'");
    std::string name = arg.substr(2);
    std::string value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    const OptionSpec* spec = nullptr;
    for (const auto& s : specs_)
      if (s.name == name) spec = &s;
    if (!spec) throw_usage("unknown option --" + name);
    if (values_.count(name)) throw_usage("option --" + name + " given twice");
    if (spec->value_name.empty()) {
      if (inline_value) throw_usage("option --" + name + " takes no value");
    } else if (!inline_value) {
      if (i + 1 >= argc) throw_usage("option --" + name + " needs a value (" + spec->value_name + ")");
      value = argv[++i];
    }
    values_[name] = value;
    lists_[name] = {value};
    if (spec->value_name.ends_with("..."))  // and the values up to the next option
      while (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) lists_[name].push_back(argv[++i]);
  }
}

std::string Arguments::get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

std::vector<std::string> Arguments::get_all(const std::string& name) const {
  auto it = lists_.find(name);
  return it == lists_.end() ? std::vector<std::string>{} : it->second;
}

std::string Arguments::required(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) throw_usage("missing required option --" + name);
  return it->second;
}

int Arguments::get_int(const std::string& name, int fallback, int min, int max) const {
  if (!has(name)) return fallback;
  const std::string s = get(name);
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < min || v > max)
    throw_usage("--" + name + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                ", got '" + s + "'");
  return v;
}

double Arguments::get_double(const std::string& name, double fallback, double min, double max) const {
  if (!has(name)) return fallback;
  const std::string s = get(name);
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !(v >= min && v <= max))
    throw_usage("--" + name + " must be a number from " + std::to_string(min) + " to " + std::to_string(max) +
                ", got '" + s + "'");
  return v;
}

std::string Arguments::help(const std::string& usage) const {
  std::string out = usage + "\n\nOptions:\n";
  for (const auto& s : specs_) {
    std::string left = "  --" + s.name + (s.value_name.empty() ? "" : " " + s.value_name);
    if (left.size() < 26) left.resize(26, ' ');
    else left += "\n" + std::string(26, ' ');
    out += left + s.help + "\n";
  }
  return out;
}

}  // namespace ffnet::cli
