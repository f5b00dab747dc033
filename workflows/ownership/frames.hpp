#pragma once
// Stack frames in failure text, and their mapping onto repository paths.
// `extract_frames` recognises gtest/Catch2/Go `file:line`, pytest `path.py:10:` and Python tracebacks,
// Java `(File.java:58)` (with the package turned into directories), sanitizer `#n ... file:line:col`
// and JS `at f (file.js:10:5)`, and returns them innermost first. `path_index` maps a path as a CI
// machine wrote it (absolute, relative to a build dir, a bare file name) to the repository file with the
// longest common suffix of path components. Pure functions and an immutable index: any thread.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tugboat::ownership {

struct raw_frame {
  std::string path;  // as written, backslashes turned into '/'
  int line = 0;
  bool operator==(const raw_frame&) const = default;
};

inline constexpr std::size_t kMaxFrames = 64;

// Frames in `text`, innermost first, each (path, line) once, at most kMaxFrames.
std::vector<raw_frame> extract_frames(std::string_view text);

class path_index {
 public:
  explicit path_index(std::vector<std::string> files);

  // The repository file sharing the longest suffix of whole path components with `path`; nullopt when
  // nothing shares even the file name, or when two files tie (a wrong owner is worse than none).
  std::optional<std::string> map(std::string_view path) const;
  bool contains(std::string_view path) const;
  // Files whose last component is `name`.
  std::vector<std::string> with_basename(std::string_view name) const;
  std::size_t size() const { return files_.size(); }

 private:
  std::vector<std::string> files_;
  std::unordered_map<std::string, std::vector<std::size_t>> by_basename_;
};

}  // namespace tugboat::ownership
