#pragma once
// A small command-line parser shared by the subcommands: `--flag`, `--opt VALUE`, `--opt=VALUE`, repeated
// options and positional arguments, with errors that name the bad argument. Any thread.
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bot/commands.hpp"

namespace tugboat::bot {

class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class cli {
 public:
  // `flags`: options without a value; `options`: options that take one (may repeat); both without "--".
  // Options listed in `multi` keep taking values until the next argument that starts with "--", so
  // `--junit a.xml b.xml` works as shells expand globs. Throws usage_error.
  cli(args a, std::set<std::string, std::less<>> flags, std::set<std::string, std::less<>> options,
      std::set<std::string, std::less<>> multi = {});

  bool flag(std::string_view name) const { return flags_.contains(name); }
  std::optional<std::string> value(std::string_view name) const;  // the last value given
  std::vector<std::string> values(std::string_view name) const;    // every value, in order
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::set<std::string, std::less<>> flags_;
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
  std::vector<std::string> positional_;
};

}  // namespace tugboat::bot
