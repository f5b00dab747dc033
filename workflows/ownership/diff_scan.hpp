#pragma once
// Which identifiers each commit of a range adds or removes: the input of the ranking's
// `identifier_in_diff` signal. The patches come from ONE `git log -p --unified=0` over the whole range
// (git_repo::log_patches); `scan_patches` reads that text once, cuts every added and removed line into
// tokens (for_each_token) and looks each up in a hash set of the wanted identifiers, so the cost is one
// pass over the range's changed lines whatever the number of identifiers. Pure function, any thread.
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tugboat::ownership {

inline constexpr std::size_t kMaxDiffLineText = 200;  // evidence keeps at most this much of a diff line

struct diff_occurrence {
  std::string file;  // the path the line belongs to (the new path for '+', the old one for '-')
  std::string text;  // the line with its leading '+' or '-', cut to kMaxDiffLineText bytes
};

// sha → identifier → the first added or removed line naming it in that commit's diff. Only commits whose
// diff names one of the identifiers are present.
using diff_identifier_index =
    std::unordered_map<std::string, std::unordered_map<std::string, diff_occurrence>>;

// `patches` is git_repo::log_patches' output: a "\x01SHA" line per commit, then its unified diff (no
// context). Hunk lines are counted from their `@@ -a,b +c,d @@` headers, so a removed line that itself
// reads "--- x" or starts with the commit marker is never mistaken for a header.
diff_identifier_index scan_patches(std::string_view patches, const std::vector<std::string>& identifiers);

}  // namespace tugboat::ownership
