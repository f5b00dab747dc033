#include "workflows/ownership/test_files.hpp"

#include <algorithm>
#include <array>

#include "core/text.hpp"

namespace tugboat::ownership {
namespace {

std::string_view basename(std::string_view p) {
  auto slash = p.find_last_of('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

std::string_view dirname(std::string_view p) {
  auto slash = p.find_last_of('/');
  return slash == std::string_view::npos ? std::string_view{} : p.substr(0, slash);
}

// `candidate` names a repository file exactly (as a whole-component suffix of the mapped path).
std::optional<std::string> exact_suffix(const std::string& candidate, const path_index& index) {
  auto mapped = index.map(candidate);
  if (!mapped) return std::nullopt;
  if (*mapped == candidate || mapped->ends_with("/" + candidate)) return mapped;
  return std::nullopt;
}

std::size_t common_dir_components(std::string_view a, std::string_view b) {
  std::size_t n = 0;
  auto da = dirname(a), db = dirname(b);
  while (!da.empty() && !db.empty()) {
    auto sa = da.find('/'), sb = db.find('/');
    if (da.substr(0, sa) != db.substr(0, sb)) break;
    ++n;
    da = sa == std::string_view::npos ? std::string_view{} : da.substr(sa + 1);
    db = sb == std::string_view::npos ? std::string_view{} : db.substr(sb + 1);
  }
  return n;
}

}  // namespace

bool looks_like_test_file(std::string_view path) {
  auto name = text::to_lower(basename(path));
  return name.find("test") != std::string::npos || name.find("spec") != std::string::npos;
}

std::optional<std::string> locate_test_file(std::string_view file_attribute, std::string_view classname,
                                            const std::vector<std::string>& frame_paths, const path_index& index) {
  if (!file_attribute.empty()) {
    if (auto m = index.map(file_attribute)) return m;
  }
  if (!classname.empty()) {
    std::string cls(classname);
    if (auto dollar = cls.find('$'); dollar != std::string::npos) cls.resize(dollar);
    std::replace(cls.begin(), cls.end(), '.', '/');
    static constexpr std::array kExtensions = {".java", ".kt", ".py", ".scala", ".groovy", ".cs", ".go", ".rb",
                                               ".js", ".ts"};
    // "tests.test_calc.TestAdd" → tests/test_calc/TestAdd.py, then tests/test_calc.py, ...
    for (std::string stem = cls; !stem.empty();) {
      for (auto ext : kExtensions) {
        if (auto m = exact_suffix(stem + ext, index)) return m;
      }
      auto slash = stem.find_last_of('/');
      if (slash == std::string::npos) break;
      stem.resize(slash);
    }
  }
  for (const auto& p : frame_paths) {
    if (looks_like_test_file(p)) return p;
  }
  return std::nullopt;
}

std::optional<std::string> subject_file(std::string_view test_file, const path_index& index) {
  auto name = std::string(basename(test_file));
  auto dot = name.find('.');
  if (dot == std::string::npos) return std::nullopt;
  std::string stem = name.substr(0, dot);
  std::string ext = name.substr(name.find_last_of('.'));
  std::string inner_ext = name.substr(dot, name.size() - dot - ext.size());  // ".test" of calc.test.js
  std::string subject;
  if (inner_ext == ".test" || inner_ext == ".spec") {
    subject = stem;
  } else if (stem.starts_with("test_")) {
    subject = stem.substr(5);
  } else if (stem.ends_with("_test") || stem.ends_with("_spec")) {
    subject = stem.substr(0, stem.size() - 5);
  } else if (stem.ends_with("Tests")) {
    subject = stem.substr(0, stem.size() - 5);
  } else if (stem.ends_with("Test") || stem.ends_with("Spec")) {
    subject = stem.substr(0, stem.size() - 4);
  }
  if (subject.empty()) return std::nullopt;
  std::vector<std::string> exts = {ext};
  if (ext == ".cpp" || ext == ".cc" || ext == ".cxx" || ext == ".c") {
    exts = {ext, ".cpp", ".cc", ".c", ".hpp", ".h"};
  }
  for (const auto& e : exts) {
    auto candidates = index.with_basename(subject + e);
    if (candidates.empty()) continue;
    std::size_t best = 0, ties = 0;
    std::string chosen;
    for (const auto& c : candidates) {
      auto n = common_dir_components(c, test_file);
      if (chosen.empty() || n > best) {
        best = n;
        ties = 1;
        chosen = c;
      } else if (n == best) {
        ++ties;
      }
    }
    if (ties == 1) return chosen;
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace tugboat::ownership
