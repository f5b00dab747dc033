#pragma once
// Identifiers in failure text, for the ranking's "an identifier from the failure message appears in the
// commit's diff" signal (docs/triage.md, "Ranking"). An identifier is a C-like word (`parse_header`,
// `FooBar`, `max_retries`): a letter or `_` then letters, digits and `_`, at least kMinIdentifierLength
// long. Keywords, common English and test-report words (`expected`, `failure`, `value`…), hex runs that
// look like addresses or SHAs, and the parts of paths and `file.ext:line` locations are not identifiers:
// frames already cover files, and such words would match nearly every diff. Pure functions, any thread.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tugboat::ownership {

inline constexpr std::size_t kMinIdentifierLength = 4;
inline constexpr std::size_t kMaxIdentifierLength = 80;
inline constexpr std::size_t kMaxIdentifiers = 16;            // per failure: the first ones named
inline constexpr std::size_t kMaxIdentifierScan = 64 * 1024;  // bytes of failure text looked at

// The identifiers `text` names, each once, in order of first appearance, at most `max`.
std::vector<std::string> extract_identifiers(std::string_view text, std::size_t max = kMaxIdentifiers);

// Calls fn(std::string_view) for every identifier-shaped token of one line of code (no filtering):
// the tokenizer the diff scan matches against extract_identifiers' output.
template <typename Fn>
void for_each_token(std::string_view line, Fn&& fn) {
  auto is_word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  std::size_t i = 0;
  while (i < line.size()) {
    if (!is_word(line[i])) {
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < line.size() && is_word(line[i])) ++i;
    if (line[start] < '0' || line[start] > '9') fn(line.substr(start, i - start));
  }
}

}  // namespace tugboat::ownership
