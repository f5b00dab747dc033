#pragma once
// CODEOWNERS as GitHub reads it: gitignore-style patterns, each followed by owners (@user, @org/team or
// an e-mail address); the LAST matching rule wins; a rule with no owners un-owns its paths. Which file
// is used (.github/, root, docs/ — the first that exists) is the caller's business. Pure, any thread.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tugboat::ownership {

struct codeowners_rule {
  std::string pattern;
  std::vector<std::string> owners;
  int line = 0;      // 1-based line in the file
  std::string text;  // the rule as written, for evidence
};

class codeowners {
 public:
  codeowners() = default;
  static codeowners parse(std::string_view text, std::string source_path);

  // The last rule matching `path` (a repository path without a leading '/'), or nullptr. A match with
  // an empty owner list is returned too: the path is deliberately unowned.
  const codeowners_rule* match(std::string_view path) const;
  const std::string& source() const { return source_; }
  bool empty() const { return rules_.empty(); }

 private:
  std::vector<codeowners_rule> rules_;
  std::string source_;
};

// gitignore-style glob: `*` and `?` stay within a path component, `**` crosses them, `**/` matches
// zero or more directories, `\` escapes. Exposed for tests.
bool glob_match(std::string_view pattern, std::string_view path);
// Whether one CODEOWNERS pattern covers `path` (anchoring, directory patterns, "matches anywhere").
bool codeowners_pattern_matches(std::string_view pattern, std::string_view path);

}  // namespace tugboat::ownership
