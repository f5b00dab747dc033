#pragma once
// The git command line as a library: every call is one `git` child process with an argv (no shell),
// `-C TOP -c safe.directory=TOP`, a timeout, LC_ALL=C and no prompts. Refs are verified with
// `rev-parse --verify` before they reach any other command. Outputs are parsed into plain structs here
// and nowhere else. Identities come mailmapped (%aN/%aE, and blame applies .mailmap itself).
// Thread-safety: a `git_repo` is immutable after construction; several threads may call it at once
// (each call is its own process). Every method blocks — worker threads only. Failures throw `git_error`
// with one readable line.
#include <chrono>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/subprocess.hpp"

namespace tugboat::ownership {

class git_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct commit_info {
  std::string sha;
  std::string author;  // mailmapped
  std::string email;   // mailmapped
  long long time = 0;  // author time, Unix seconds
  std::string subject;
  std::vector<std::string> files;  // paths the commit changed (both sides of a rename)
};

struct blamed_line {
  int line = 0;              // line number in the blamed (head) version
  std::string sha;
  std::string code;          // the line's text
  std::string author, email; // mailmapped
  long long author_time = 0;
  std::string summary;
  bool boundary = false;     // older than the range: not attributable to a commit in it
};

struct line_range {
  int first = 1;
  int last = 1;
};

class git_repo {
 public:
  // Opens the repository containing `dir`; throws git_error when it is missing or not a repository.
  explicit git_repo(const std::string& dir, std::chrono::milliseconds timeout = std::chrono::seconds{120});

  const std::string& top() const { return top_; }

  // The full SHA-1 of the commit `ref` names; throws git_error("unknown ref ...").
  std::string resolve(std::string_view ref) const;
  // The newest tag reachable from `commit`, if any; only tags matching the glob `pattern` when given.
  std::optional<std::string> newest_tag(std::string_view commit, std::string_view pattern = {}) const;
  // How many commits base..head holds.
  long long count_commits(std::string_view base, std::string_view head) const;
  // Committer time of a commit, Unix seconds.
  long long commit_time(std::string_view commit) const;
  // Every file path in the tree of `commit`.
  std::vector<std::string> list_files(std::string_view commit) const;
  // Non-merge commits in base..head with their changed files (renames detected), newest first.
  std::vector<commit_info> log_range(std::string_view base, std::string_view head) const;
  // The patches of the non-merge commits in base..head for the diff-identifier scan (scan_patches): per
  // commit a "\x01SHA" line, then its diff with renames detected, no context lines, a/ b/ prefixes and
  // no external diff or textconv filters. nullopt when the output passes `max_bytes` (git still runs to
  // the end, but only the last max_bytes + 1 bytes are ever held in memory).
  std::optional<std::string> log_patches(std::string_view base, std::string_view head,
                                         std::size_t max_bytes) const;
  // The same for the listed commits only (full SHAs, in that order; merges skipped).
  std::optional<std::string> commit_patches(const std::vector<std::string>& shas,
                                            std::size_t max_bytes) const;
  // Who touched `path` in commits reachable from `head` and newer than `since` (Unix seconds; 0 = all
  // history), newest first, one entry per commit (sha, author, email, time, subject).
  std::vector<commit_info> path_history(std::string_view path, std::string_view head, long long since) const;
  // The content of `path` at `commit`, or nullopt if it does not exist there.
  std::optional<std::string> show_file(std::string_view commit, std::string_view path) const;
  // `git blame --porcelain -w` of `ranges` of `path` at `head`, restricted to base..head (base may be
  // empty for the whole history). Ranges past the end of the file are clamped. Lines come back in order.
  std::vector<blamed_line> blame(std::string_view path, const std::vector<line_range>& ranges, std::string_view base,
                                 std::string_view head, const std::string& ignore_revs_file) const;

  // The argv `blame` runs, so a benchmark can time the very same command on its own.
  std::vector<std::string> blame_argv(std::string_view path, const std::vector<line_range>& ranges,
                                      std::string_view base, std::string_view head,
                                      const std::string& ignore_revs_file) const;

 private:
  proc::result run(std::vector<std::string> args, std::size_t max_output = 0) const;
  std::optional<std::string> patches(std::vector<std::string> revisions, std::size_t max_bytes) const;
  std::string run_checked(std::vector<std::string> args, std::string_view what) const;

  std::string top_;
  std::chrono::milliseconds timeout_;
};

// Parsers, exposed for tests.
std::vector<blamed_line> parse_blame_porcelain(std::string_view out);
std::vector<commit_info> parse_log_z(std::string_view out);
// "2026-11-25T12:00:00Z" from Unix seconds.
std::string iso_date(long long unix_seconds);

}  // namespace tugboat::ownership
