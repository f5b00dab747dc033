#include "workflows/ownership/diff_scan.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <unordered_set>

#include "core/text.hpp"
#include "workflows/ownership/identifiers.hpp"

namespace tugboat::ownership {
namespace {

// "a/src/x.cpp" → "src/x.cpp"; "/dev/null" → "". A C-quoted path ("\"a/we\\tird\"") loses its quotes
// only: such names are rare and the path is evidence text, not a key.
std::string header_path(std::string_view s, char side) {
  if (s == "/dev/null") return {};
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  if (s.size() >= 2 && s[0] == side && s[1] == '/') s.remove_prefix(2);
  return text::clean_utf8(s);
}

// One side of a hunk header, "-12,3" or "+7": the line count (1 when omitted).
long hunk_count(std::string_view side) {
  auto comma = side.find(',');
  if (comma == std::string_view::npos) return 1;
  long n = 0;
  auto digits = side.substr(comma + 1);
  std::from_chars(digits.data(), digits.data() + digits.size(), n);
  return n;
}

}  // namespace

diff_identifier_index scan_patches(std::string_view patches, const std::vector<std::string>& identifiers) {
  diff_identifier_index index;
  if (identifiers.empty()) return index;
  std::unordered_set<std::string_view> wanted(identifiers.begin(), identifiers.end());
  std::size_t shortest = SIZE_MAX, longest = 0;
  for (const auto& id : identifiers) {
    shortest = std::min(shortest, id.size());
    longest = std::max(longest, id.size());
  }

  std::string sha, old_path, new_path;
  long minus = 0, plus = 0;  // hunk lines still to come on each side
  auto match_line = [&](std::string_view line, const std::string& path) {
    for_each_token(line.substr(1), [&](std::string_view token) {
      if (token.size() < shortest || token.size() > longest || !wanted.contains(token)) return;
      auto& found = index[sha];
      if (found.contains(std::string(token))) return;
      found.emplace(std::string(token),
                    diff_occurrence{path, text::clean_utf8(line.substr(0, kMaxDiffLineText))});
    });
  };

  std::size_t pos = 0;
  while (pos < patches.size()) {
    auto nl = patches.find('\n', pos);
    std::string_view line =
        patches.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? patches.size() : nl + 1;

    if (minus > 0 || plus > 0) {
      if (!line.empty() && line.front() == '-' && minus > 0) {
        --minus;
        if (!sha.empty()) match_line(line, old_path);
        continue;
      }
      if (!line.empty() && line.front() == '+' && plus > 0) {
        --plus;
        if (!sha.empty()) match_line(line, new_path);
        continue;
      }
      if (!line.empty() && line.front() == '\\') continue;  // "\ No newline at end of file"
      minus = plus = 0;                                     // a hunk cut short: read the line as a header
    }
    if (line.starts_with('\x01')) {
      sha = line.substr(1);
      old_path.clear();
      new_path.clear();
    } else if (line.starts_with("diff --git ")) {
      old_path.clear();
      new_path.clear();
    } else if (line.starts_with("--- ")) {
      old_path = header_path(line.substr(4), 'a');
    } else if (line.starts_with("+++ ")) {
      new_path = header_path(line.substr(4), 'b');
      if (old_path.empty()) old_path = new_path;
    } else if (line.starts_with("@@ -")) {
      auto rest = line.substr(3);
      auto space = rest.find(' ');
      if (space == std::string_view::npos) continue;
      minus = hunk_count(rest.substr(0, space));
      auto after = rest.substr(space + 1);
      plus = after.starts_with('+') ? hunk_count(after.substr(0, after.find(' '))) : 0;
      if (new_path.empty()) new_path = old_path;  // a deletion: "+++ /dev/null"
    }
  }
  return index;
}

}  // namespace tugboat::ownership
