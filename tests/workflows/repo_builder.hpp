#pragma once
// Test support: a real git repository in a fresh temporary directory, built commit by commit with
// chosen authors and dates (GIT_AUTHOR_* / GIT_COMMITTER_*), removed again on destruction. Git runs
// through core/subprocess with the user's and system's git config shut out, so results never depend on
// the machine. Single-threaded test use.
#include <filesystem>
#include <string>
#include <vector>

namespace tugboat::testing {

struct identity {
  std::string name;
  std::string email;
};

class repo_builder {
 public:
  repo_builder();
  ~repo_builder();
  repo_builder(const repo_builder&) = delete;
  repo_builder& operator=(const repo_builder&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  std::string path() const { return dir_.string(); }

  void write(const std::string& relative, const std::string& content);
  // Replaces line `n` (1-based) of a file.
  void set_line(const std::string& relative, int n, const std::string& text);
  std::string read(const std::string& relative) const;
  // Stages everything and commits as `who` on day `day` (days after 2026-01-01); returns the full SHA.
  std::string commit(const identity& who, const std::string& message, int day);
  // Runs git in the repository and returns stdout; REQUIREs success.
  std::string git(std::vector<std::string> args, const identity* who = nullptr, int day = 0);

  static long long day_epoch(int day) { return 1767225600LL + day * 86400LL; }

 private:
  std::filesystem::path dir_;
};

// "prefix 1\nprefix 2\n..." — `count` distinct lines.
std::string numbered_lines(const std::string& prefix, int count);

}  // namespace tugboat::testing
