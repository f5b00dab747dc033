#include "workflows/ownership/codeowners.hpp"

#include "core/text.hpp"

namespace tugboat::ownership {

bool glob_match(std::string_view p, std::string_view s) {
  while (!p.empty()) {
    if (p.starts_with("**")) {
      auto rest = p.substr(2);
      if (rest.starts_with('/')) {
        rest.remove_prefix(1);
        // "**/": zero or more whole directories.
        if (glob_match(rest, s)) return true;
        for (std::size_t i = 0; i < s.size(); ++i) {
          if (s[i] == '/' && glob_match(rest, s.substr(i + 1))) return true;
        }
        return false;
      }
      for (std::size_t i = 0; i <= s.size(); ++i) {
        if (glob_match(rest, s.substr(i))) return true;
      }
      return false;
    }
    char c = p.front();
    if (c == '*') {
      auto rest = p.substr(1);
      for (std::size_t i = 0; i <= s.size(); ++i) {
        if (glob_match(rest, s.substr(i))) return true;
        if (i < s.size() && s[i] == '/') break;
      }
      return false;
    }
    if (s.empty()) return false;
    if (c == '?') {
      if (s.front() == '/') return false;
    } else {
      if (c == '\\' && p.size() > 1) {
        p.remove_prefix(1);
        c = p.front();
      }
      if (c != s.front()) return false;
    }
    p.remove_prefix(1);
    s.remove_prefix(1);
  }
  return s.empty();
}

bool codeowners_pattern_matches(std::string_view pattern, std::string_view path) {
  if (pattern.empty()) return false;
  bool dir_only = pattern.ends_with('/');
  if (dir_only) pattern.remove_suffix(1);
  // A pattern with a slash anywhere but the end is relative to the root; otherwise it matches at any depth.
  bool anchored = pattern.find('/') != std::string_view::npos;
  if (pattern.starts_with('/')) pattern.remove_prefix(1);
  std::string full = anchored ? std::string(pattern) : "**/" + std::string(pattern);
  if (!dir_only && glob_match(full, path)) return true;
  // GitHub: "docs/*" covers the files directly in docs/, not those in its subdirectories.
  if (pattern.ends_with("/*") && !pattern.ends_with("/**/*")) return false;
  // A pattern that names a directory covers everything below it.
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '/' && glob_match(full, path.substr(0, i))) return true;
  }
  return false;
}

codeowners codeowners::parse(std::string_view text, std::string source_path) {
  codeowners c;
  c.source_ = std::move(source_path);
  int number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    auto raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++number;
    auto line = text::trim(raw);
    if (line.empty() || line.front() == '#') continue;
    // An unescaped '#' starts a comment.
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '#' && (i == 0 || line[i - 1] != '\\')) {
        line = text::trim(line.substr(0, i));
        break;
      }
    }
    auto words = text::split_words(line);
    if (words.empty()) continue;
    codeowners_rule rule;
    rule.pattern = std::string(words.front());
    for (std::size_t i = 1; i < words.size(); ++i) rule.owners.emplace_back(words[i]);
    rule.line = number;
    rule.text = text::clean_utf8(line);
    c.rules_.push_back(std::move(rule));
  }
  return c;
}

const codeowners_rule* codeowners::match(std::string_view path) const {
  for (auto it = rules_.rbegin(); it != rules_.rend(); ++it) {
    if (codeowners_pattern_matches(it->pattern, path)) return &*it;
  }
  return nullptr;
}

}  // namespace tugboat::ownership
