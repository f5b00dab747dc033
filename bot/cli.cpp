#include "bot/cli.hpp"

#include <fmt/format.h>

namespace tugboat::bot {

cli::cli(args a, std::set<std::string, std::less<>> flags, std::set<std::string, std::less<>> options,
         std::set<std::string, std::less<>> multi) {
  for (std::size_t i = 0; i < a.size(); ++i) {
    std::string_view arg = a[i];
    if (arg == "--") {
      for (++i; i < a.size(); ++i) positional_.emplace_back(a[i]);
      break;
    }
    if (!arg.starts_with("--")) {
      positional_.emplace_back(arg);
      continue;
    }
    arg.remove_prefix(2);
    std::optional<std::string_view> inline_value;
    if (auto eq = arg.find('='); eq != std::string_view::npos) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    if (flags.contains(arg)) {
      if (inline_value) throw usage_error(fmt::format("--{} takes no value", arg));
      flags_.emplace(arg);
      continue;
    }
    if (!options.contains(arg) && !multi.contains(arg)) {
      throw usage_error(fmt::format("unknown option --{}", arg));
    }
    auto& slot = values_[std::string(arg)];
    if (inline_value) {
      slot.emplace_back(*inline_value);
      continue;
    }
    if (i + 1 >= a.size() || a[i + 1].starts_with("--")) {
      throw usage_error(fmt::format("--{} needs a value", arg));
    }
    slot.emplace_back(a[++i]);
    if (multi.contains(arg)) {
      while (i + 1 < a.size() && !a[i + 1].starts_with("--")) slot.emplace_back(a[++i]);
    }
  }
}

std::optional<std::string> cli::value(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> cli::values(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

}  // namespace tugboat::bot
