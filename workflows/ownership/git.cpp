#include "workflows/ownership/git.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <filesystem>
#include <map>

#include "core/text.hpp"

namespace tugboat::ownership {
namespace {

std::string first_error_line(const proc::result& r) {
  if (r.spawn_failed) return r.error;
  if (r.timed_out) return r.describe();
  std::string_view err = r.err;
  // git prints "fatal: ..." / "error: ..."; the first such line is the useful one.
  std::size_t pos = 0;
  while (pos < err.size()) {
    auto nl = err.find('\n', pos);
    auto line = text::trim(err.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    if (!line.empty() && !line.starts_with("hint:")) return text::clean_utf8(line);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return r.describe();
}

long long to_ll(std::string_view s) {
  long long v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

std::string_view next_field(std::string_view& s, char sep) {
  auto pos = s.find(sep);
  auto field = s.substr(0, pos);
  s = pos == std::string_view::npos ? std::string_view{} : s.substr(pos + 1);
  return field;
}

std::string strip_angles(std::string_view s) {
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
  return std::string(s);
}

}  // namespace

std::string iso_date(long long unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", tm);
}

git_repo::git_repo(const std::string& dir, std::chrono::milliseconds timeout) : timeout_(timeout) {
  std::error_code ec;
  auto canonical = std::filesystem::canonical(dir, ec);
  if (ec || !std::filesystem::is_directory(canonical)) {
    throw git_error(fmt::format("repository '{}' does not exist or is not a directory", dir));
  }
  top_ = canonical.string();
  auto r = run({"rev-parse", "--show-toplevel"});
  if (!r.ok()) {
    throw git_error(fmt::format("'{}' is not a readable git repository: {}", dir, first_error_line(r)));
  }
  auto top = std::string(text::trim(r.out));
  if (top.empty()) throw git_error(fmt::format("'{}' has no work tree", dir));
  top_ = top;
}

proc::result git_repo::run(std::vector<std::string> args, std::size_t max_output) const {
  proc::spawn_options o;
  // safe.directory: the user pointed us at this repository, so trust exactly it (and nothing else) even
  // when it belongs to another user, as a CI checkout often does.
  o.argv = {"git", "-C", top_, "-c", "safe.directory=" + top_, "-c", "core.quotepath=off"};
  o.argv.insert(o.argv.end(), std::make_move_iterator(args.begin()), std::make_move_iterator(args.end()));
  o.env = {{"LC_ALL", "C"}, {"GIT_TERMINAL_PROMPT", "0"}, {"GIT_OPTIONAL_LOCKS", "0"}, {"GIT_PAGER", "cat"}};
  o.timeout = timeout_;
  o.max_output = max_output;
  return proc::run(o);
}

std::string git_repo::run_checked(std::vector<std::string> args, std::string_view what) const {
  auto r = run(std::move(args));
  if (!r.ok()) throw git_error(fmt::format("git {} failed in {}: {}", what, top_, first_error_line(r)));
  return std::move(r.out);
}

std::string git_repo::resolve(std::string_view ref) const {
  auto r = run({"rev-parse", "--verify", "--quiet", "--end-of-options", std::string(ref) + "^{commit}"});
  auto sha = std::string(text::trim(r.out));
  if (r.spawn_failed || r.timed_out) throw git_error(fmt::format("git rev-parse failed: {}", first_error_line(r)));
  if (!r.ok() || sha.size() < 40) {
    throw git_error(fmt::format("unknown ref '{}' in {}", text::clean_utf8(ref), top_));
  }
  return sha;
}

std::optional<std::string> git_repo::newest_tag(std::string_view commit, std::string_view pattern) const {
  std::vector<std::string> argv{"describe", "--tags", "--abbrev=0"};
  if (!pattern.empty()) {
    argv.emplace_back("--match");
    argv.emplace_back(pattern);
  }
  argv.emplace_back(commit);
  auto r = run(argv);
  if (!r.ok()) return std::nullopt;
  auto tag = std::string(text::trim(r.out));
  return tag.empty() ? std::nullopt : std::optional<std::string>(tag);
}

long long git_repo::count_commits(std::string_view base, std::string_view head) const {
  return to_ll(text::trim(run_checked({"rev-list", "--count", fmt::format("{}..{}", base, head)}, "rev-list")));
}

long long git_repo::commit_time(std::string_view commit) const {
  return to_ll(text::trim(run_checked({"show", "-s", "--format=%ct", std::string(commit)}, "show")));
}

std::vector<std::string> git_repo::list_files(std::string_view commit) const {
  auto out = run_checked({"ls-tree", "-r", "-z", "--name-only", "--full-tree", std::string(commit)}, "ls-tree");
  std::vector<std::string> files;
  std::string_view rest = out;
  while (!rest.empty()) {
    auto f = next_field(rest, '\0');
    if (!f.empty()) files.emplace_back(f);
  }
  return files;
}

std::vector<commit_info> parse_log_z(std::string_view out) {
  std::vector<commit_info> commits;
  std::size_t pos = 0;
  while ((pos = out.find('\x01', pos)) != std::string_view::npos) {
    auto end = out.find('\x01', pos + 1);
    std::string_view chunk = out.substr(pos + 1, end == std::string_view::npos ? std::string_view::npos : end - pos - 1);
    pos = end == std::string_view::npos ? out.size() : end;
    commit_info c;
    c.sha = next_field(chunk, '\0');
    c.author = text::clean_utf8(next_field(chunk, '\0'));
    c.email = text::clean_utf8(next_field(chunk, '\0'));
    c.time = to_ll(next_field(chunk, '\0'));
    c.subject = text::clean_utf8(next_field(chunk, '\0'));
    while (!chunk.empty() && (chunk.front() == '\n' || chunk.front() == '\0')) chunk.remove_prefix(1);
    while (!chunk.empty()) {
      auto status = next_field(chunk, '\0');
      if (status.empty()) continue;
      int paths = (status.front() == 'R' || status.front() == 'C') ? 2 : 1;
      for (int i = 0; i < paths && !chunk.empty(); ++i) c.files.emplace_back(next_field(chunk, '\0'));
    }
    if (c.sha.size() >= 40) commits.push_back(std::move(c));
  }
  return commits;
}

std::vector<commit_info> git_repo::log_range(std::string_view base, std::string_view head) const {
  std::string range = base.empty() ? std::string(head) : fmt::format("{}..{}", base, head);
  return parse_log_z(run_checked({"log", "-z", "--no-merges", "-M", "--name-status",
                                  "--format=%x01%H%x00%aN%x00%aE%x00%at%x00%s", range, "--"},
                                 "log"));
}

std::optional<std::string> git_repo::patches(std::vector<std::string> revisions,
                                             std::size_t max_bytes) const {
  std::vector<std::string> args = {"log", "--no-merges", "-M", "-p", "--unified=0", "--no-color", "--no-ext-diff",
                                   "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/", "--format=%x01%H"};
  args.insert(args.end(), std::make_move_iterator(revisions.begin()),
              std::make_move_iterator(revisions.end()));
  args.emplace_back("--");
  auto r = run(std::move(args), max_bytes + 1);
  if (!r.ok()) throw git_error(fmt::format("git log -p failed in {}: {}", top_, first_error_line(r)));
  if (r.out.size() > max_bytes) return std::nullopt;
  return std::move(r.out);
}

std::optional<std::string> git_repo::log_patches(std::string_view base, std::string_view head,
                                                 std::size_t max_bytes) const {
  return patches({base.empty() ? std::string(head) : fmt::format("{}..{}", base, head)}, max_bytes);
}

std::optional<std::string> git_repo::commit_patches(const std::vector<std::string>& shas,
                                                    std::size_t max_bytes) const {
  std::vector<std::string> revisions = {"--no-walk=unsorted"};
  for (const auto& sha : shas) {
    bool full_sha = sha.size() == 40 && std::all_of(sha.begin(), sha.end(), [](char c) {
                      return std::isxdigit(static_cast<unsigned char>(c));
                    });
    if (!full_sha) throw git_error(fmt::format("'{}' is not a full commit SHA", text::clean_utf8(sha)));
    revisions.push_back(sha);
  }
  if (shas.empty()) return std::string{};
  return patches(std::move(revisions), max_bytes);
}

std::vector<commit_info> git_repo::path_history(std::string_view path, std::string_view head, long long since) const {
  std::vector<std::string> args = {"log", "-z", "--no-merges", "--format=%x01%H%x00%aN%x00%aE%x00%at%x00%s"};
  if (since > 0) args.push_back(fmt::format("--since=@{}", since));
  args.emplace_back(head);
  args.emplace_back("--");
  args.emplace_back(path);
  return parse_log_z(run_checked(std::move(args), "log"));
}

std::optional<std::string> git_repo::show_file(std::string_view commit, std::string_view path) const {
  auto r = run({"cat-file", "blob", fmt::format("{}:{}", commit, path)});
  if (!r.ok()) return std::nullopt;
  return std::move(r.out);
}

std::vector<blamed_line> parse_blame_porcelain(std::string_view out) {
  struct commit_meta {
    std::string author, email, summary;
    long long time = 0;
    bool boundary = false;
  };
  std::map<std::string, commit_meta, std::less<>> metas;
  std::vector<blamed_line> lines;
  std::string current_sha;
  int current_line = 0;
  std::size_t pos = 0;
  while (pos < out.size()) {
    auto nl = out.find('\n', pos);
    std::string_view line = out.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? out.size() : nl + 1;
    if (line.empty()) continue;
    if (line.front() == '\t') {
      blamed_line b;
      b.line = current_line;
      b.sha = current_sha;
      b.code = text::clean_utf8(line.substr(1));
      const auto& m = metas[current_sha];
      b.author = m.author;
      b.email = m.email;
      b.author_time = m.time;
      b.summary = m.summary;
      b.boundary = m.boundary;
      lines.push_back(std::move(b));
      continue;
    }
    auto space = line.find(' ');
    auto key = line.substr(0, space);
    auto value = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
    if (key.size() == 40 && std::all_of(key.begin(), key.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
      current_sha = key;
      auto rest = value;
      next_field(rest, ' ');  // line in the original file
      current_line = static_cast<int>(to_ll(next_field(rest, ' ')));
      metas.try_emplace(current_sha);
      continue;
    }
    auto& m = metas[current_sha];
    if (key == "author") m.author = text::clean_utf8(value);
    else if (key == "author-mail") m.email = text::clean_utf8(strip_angles(value));
    else if (key == "author-time") m.time = to_ll(value);
    else if (key == "summary") m.summary = text::clean_utf8(value);
    else if (key == "boundary") m.boundary = true;
  }
  return lines;
}

std::vector<std::string> git_repo::blame_argv(std::string_view path, const std::vector<line_range>& ranges,
                                              std::string_view base, std::string_view head,
                                              const std::string& ignore_revs_file) const {
  std::vector<std::string> args = {"blame", "--porcelain", "-w"};
  if (!ignore_revs_file.empty()) {
    args.emplace_back("--ignore-revs-file");
    args.push_back(ignore_revs_file);
  }
  for (const auto& r : ranges) args.push_back(fmt::format("-L{},{}", r.first, r.last));
  args.push_back(base.empty() ? std::string(head) : fmt::format("{}..{}", base, head));
  args.emplace_back("--");
  args.emplace_back(path);
  return args;
}

std::vector<blamed_line> git_repo::blame(std::string_view path, const std::vector<line_range>& ranges,
                                         std::string_view base, std::string_view head,
                                         const std::string& ignore_revs_file) const {
  if (ranges.empty()) return {};
  auto r = run(blame_argv(path, ranges, base, head, ignore_revs_file));
  if (!r.ok()) {
    // A trace can name a line past the end of the file (a stale build, a generated file): clamp, retry once.
    constexpr std::string_view kHasOnly = " has only ";
    auto at = r.err.find(kHasOnly);
    if (at == std::string::npos) {
      throw git_error(fmt::format("git blame {} failed: {}", text::clean_utf8(path), first_error_line(r)));
    }
    int total = static_cast<int>(to_ll(std::string_view(r.err).substr(at + kHasOnly.size())));
    std::vector<line_range> clamped;
    for (auto range : ranges) {
      if (range.first > total) continue;
      range.last = std::min(range.last, total);
      clamped.push_back(range);
    }
    if (clamped.empty() || total <= 0) return {};
    r = run(blame_argv(path, clamped, base, head, ignore_revs_file));
    if (!r.ok()) throw git_error(fmt::format("git blame {} failed: {}", text::clean_utf8(path), first_error_line(r)));
  }
  return parse_blame_porcelain(r.out);
}

}  // namespace tugboat::ownership
