#include "repo_builder.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>

#include "core/subprocess.hpp"

namespace tugboat::testing {

repo_builder::repo_builder() {
  std::string templ = (std::filesystem::temp_directory_path() / "tugboat-repo-XXXXXX").string();
  REQUIRE(::mkdtemp(templ.data()) != nullptr);
  dir_ = templ;
  git({"init", "-q", "-b", "main"});
}

repo_builder::~repo_builder() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void repo_builder::write(const std::string& relative, const std::string& content) {
  auto p = dir_ / relative;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

std::string repo_builder::read(const std::string& relative) const {
  std::ifstream in(dir_ / relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void repo_builder::set_line(const std::string& relative, int n, const std::string& text) {
  std::istringstream in(read(relative));
  std::string out, line;
  for (int i = 1; std::getline(in, line); ++i) out += (i == n ? text : line) + "\n";
  write(relative, out);
}

std::string repo_builder::git(std::vector<std::string> args, const identity* who, int day) {
  proc::spawn_options o;
  o.argv = {"git", "-C", dir_.string()};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  auto date = fmt::format("@{} +0000", day_epoch(day));
  identity fallback{"Builder", "builder@example.com"};
  const identity& id = who != nullptr ? *who : fallback;
  o.env = {{"GIT_CONFIG_GLOBAL", "/dev/null"}, {"GIT_CONFIG_NOSYSTEM", "1"}, {"GIT_AUTHOR_NAME", id.name},
           {"GIT_AUTHOR_EMAIL", id.email},     {"GIT_COMMITTER_NAME", id.name}, {"GIT_COMMITTER_EMAIL", id.email},
           {"GIT_AUTHOR_DATE", date},          {"GIT_COMMITTER_DATE", date},   {"LC_ALL", "C"}};
  o.timeout = std::chrono::seconds{60};
  auto r = proc::run(o);
  INFO("git ", args.front(), ": ", r.err);
  REQUIRE(r.ok());
  return r.out;
}

std::string repo_builder::commit(const identity& who, const std::string& message, int day) {
  git({"add", "-A"});
  git({"commit", "-q", "--no-gpg-sign", "-m", message}, &who, day);
  auto sha = git({"rev-parse", "HEAD"});
  while (!sha.empty() && sha.back() == '\n') sha.pop_back();
  return sha;
}

std::string numbered_lines(const std::string& prefix, int count) {
  std::string out;
  for (int i = 1; i <= count; ++i) out += fmt::format("{} {}\n", prefix, i);
  return out;
}

}  // namespace tugboat::testing
