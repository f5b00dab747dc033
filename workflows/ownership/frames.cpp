#include "workflows/ownership/frames.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace tugboat::ownership {
namespace {

bool is_path_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || c == '.' || c == '/' || c == '\\' || c == '-' || c == '+' || c == '@' ||
         c == '~' || u >= 0x80;
}

// A path worth keeping has a file name with an extension that contains a letter ("a.cpp", not "1.2").
bool looks_like_file(std::string_view p) {
  auto slash = p.find_last_of('/');
  auto name = slash == std::string_view::npos ? p : p.substr(slash + 1);
  auto dot = name.find_last_of('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= name.size()) return false;
  auto ext = name.substr(dot + 1);
  return std::any_of(ext.begin(), ext.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
}

std::string normalize(std::string_view p) {
  std::string out(p);
  std::replace(out.begin(), out.end(), '\\', '/');
  while (out.starts_with("./")) out.erase(0, 2);
  return out;
}

int parse_line_number(std::string_view s, std::size_t& len) {
  len = 0;
  while (len < s.size() && len < 9 && std::isdigit(static_cast<unsigned char>(s[len]))) ++len;
  int v = 0;
  if (len == 0) return 0;
  std::from_chars(s.data(), s.data() + len, v);
  return v;
}

bool is_jvm_source(std::string_view name) {
  return name.ends_with(".java") || name.ends_with(".kt") || name.ends_with(".scala") || name.ends_with(".groovy");
}

// "at com.acme.Foo$Inner.bar(Foo.java:58)" → "com/acme/Foo.java", 58.
bool java_frame(std::string_view line, std::vector<raw_frame>& out) {
  bool found = false;
  for (std::size_t open = line.find('('); open != std::string_view::npos; open = line.find('(', open + 1)) {
    auto close = line.find(')', open);
    if (close == std::string_view::npos) break;
    auto inner = line.substr(open + 1, close - open - 1);
    auto colon = inner.find(':');
    if (colon == std::string_view::npos) continue;
    auto file = inner.substr(0, colon);
    if (!is_jvm_source(file) || file.find('/') != std::string_view::npos) continue;
    std::size_t len = 0;
    int n = parse_line_number(inner.substr(colon + 1), len);
    if (n <= 0) continue;
    auto start = open;
    while (start > 0 && !std::isspace(static_cast<unsigned char>(line[start - 1]))) --start;
    std::string_view qualified = line.substr(start, open - start);  // com.acme.Foo$Inner.bar
    std::string path;
    auto method_dot = qualified.find_last_of('.');
    if (method_dot != std::string_view::npos) {
      auto cls = qualified.substr(0, method_dot);
      auto pkg_dot = cls.find_last_of('.');
      if (pkg_dot != std::string_view::npos) {
        path = std::string(cls.substr(0, pkg_dot));
        std::replace(path.begin(), path.end(), '.', '/');
        path += '/';
      }
    }
    path += file;
    out.push_back({path, n});
    found = true;
  }
  return found;
}

// Python: File "src/calc.py", line 5, in add
bool python_traceback_frame(std::string_view line, std::vector<raw_frame>& out) {
  auto at = line.find("File \"");
  if (at == std::string_view::npos) return false;
  auto start = at + 6;
  auto quote = line.find('"', start);
  if (quote == std::string_view::npos) return false;
  auto rest = line.substr(quote + 1);
  if (!rest.starts_with(", line ")) return false;
  std::size_t len = 0;
  int n = parse_line_number(rest.substr(7), len);
  if (n <= 0) return false;
  out.push_back({normalize(line.substr(start, quote - start)), n});
  return true;
}

// Anything of the form path.ext:LINE (gtest, Catch2, pytest, Go, sanitizers, JS, compilers).
void generic_frames(std::string_view line, std::vector<raw_frame>& out) {
  for (std::size_t colon = line.find(':'); colon != std::string_view::npos; colon = line.find(':', colon + 1)) {
    std::size_t len = 0;
    int n = parse_line_number(line.substr(colon + 1), len);
    if (n <= 0) continue;
    auto start = colon;
    while (start > 0 && is_path_char(line[start - 1])) --start;
    auto path = line.substr(start, colon - start);
    // Part of a URL? "file:///ci/src/a.mjs:5" is a path (Node prints those); "https://host:8080" is not.
    if (start >= 1 && line[start - 1] == ':' && path.starts_with("//")) {
      if (start < 5 || line.substr(start - 5, 5) != "file:") continue;
      path.remove_prefix(2);
    }
    if (path.size() < 3 || !looks_like_file(path)) continue;
    out.push_back({normalize(path), n});
  }
}

std::string_view basename(std::string_view p) {
  auto slash = p.find_last_of('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

std::vector<std::string_view> components(std::string_view p) {
  std::vector<std::string_view> parts;
  while (!p.empty()) {
    auto slash = p.find('/');
    auto part = p.substr(0, slash);
    if (!part.empty() && part != ".") parts.push_back(part);
    if (slash == std::string_view::npos) break;
    p.remove_prefix(slash + 1);
  }
  return parts;
}

}  // namespace

std::vector<raw_frame> extract_frames(std::string_view text) {
  std::vector<raw_frame> frames;
  bool python = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    auto line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (python_traceback_frame(line, frames)) {
      python = true;
      continue;
    }
    if (java_frame(line, frames)) continue;
    generic_frames(line, frames);
  }
  // Python (tracebacks and pytest) lists the outermost call first; everything else starts innermost.
  if (python || (!frames.empty() && std::all_of(frames.begin(), frames.end(),
                                                [](const raw_frame& f) { return f.path.ends_with(".py"); }))) {
    std::reverse(frames.begin(), frames.end());
  }
  std::vector<raw_frame> unique;
  for (auto& f : frames) {
    if (std::find(unique.begin(), unique.end(), f) == unique.end()) unique.push_back(std::move(f));
    if (unique.size() == kMaxFrames) break;
  }
  return unique;
}

path_index::path_index(std::vector<std::string> files) : files_(std::move(files)) {
  for (std::size_t i = 0; i < files_.size(); ++i) by_basename_[std::string(basename(files_[i]))].push_back(i);
}

bool path_index::contains(std::string_view path) const {
  auto it = by_basename_.find(std::string(basename(path)));
  if (it == by_basename_.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(), [&](std::size_t i) { return files_[i] == path; });
}

std::vector<std::string> path_index::with_basename(std::string_view name) const {
  std::vector<std::string> out;
  auto it = by_basename_.find(std::string(name));
  if (it == by_basename_.end()) return out;
  for (auto i : it->second) out.push_back(files_[i]);
  return out;
}

std::optional<std::string> path_index::map(std::string_view path) const {
  auto norm = normalize(path);
  auto wanted = components(norm);
  if (wanted.empty()) return std::nullopt;
  auto it = by_basename_.find(std::string(wanted.back()));
  if (it == by_basename_.end()) return std::nullopt;
  std::size_t best = 0, best_count = 0;
  std::optional<std::size_t> best_index;
  for (auto i : it->second) {
    auto have = components(files_[i]);
    std::size_t n = 0;
    while (n < have.size() && n < wanted.size() && have[have.size() - 1 - n] == wanted[wanted.size() - 1 - n]) ++n;
    if (n > best) {
      best = n;
      best_count = 1;
      best_index = i;
    } else if (n == best) {
      ++best_count;
    }
  }
  if (!best_index || best_count != 1) return std::nullopt;
  return files_[*best_index];
}

}  // namespace tugboat::ownership
