#include "core/text.hpp"

#include <cctype>

namespace tugboat::text {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    auto start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

std::vector<std::string> split_lines(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto nl = s.find('\n');
    const auto line = trim(s.substr(0, nl));
    if (!line.empty()) out.emplace_back(line);
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  return out;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool starts_with_word(std::string_view s, std::string_view word) {
  s = trim(s);
  if (s.size() < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(word[i]))) {
      return false;
    }
  }
  return s.size() == word.size() || std::isspace(static_cast<unsigned char>(s[word.size()]));
}

std::optional<std::chrono::seconds> parse_duration(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  long long total = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    long long n = 0;
    auto start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      n = n * 10 + (s[i] - '0');
      if (n > 10'000'000'000LL) return std::nullopt;
      ++i;
    }
    if (i == start || i == s.size()) return std::nullopt;
    switch (s[i]) {
      case 's': total += n; break;
      case 'm': total += n * 60; break;
      case 'h': total += n * 3600; break;
      case 'd': total += n * 86400; break;
      default: return std::nullopt;
    }
    ++i;
  }
  return std::chrono::seconds{total};
}

std::string format_duration(std::chrono::seconds d) {
  auto s = d.count();
  if (s < 0) s = 0;
  std::string out;
  if (s >= 86400) out += std::to_string(s / 86400) + "d", s %= 86400;
  if (s >= 3600) out += std::to_string(s / 3600) + "h", s %= 3600;
  if (s >= 60) out += std::to_string(s / 60) + "m", s %= 60;
  if (s > 0 || out.empty()) out += std::to_string(s) + "s";
  return out;
}

std::string clean_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\n' && c != '\t') {
        out += c == '\r' ? "" : " ";
      } else if (c == 0x7F) {
        out += ' ';
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07;
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Reject overlong forms, surrogates and values past U+10FFFF.
    if (ok && ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
               (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)) {
      ok = false;
    }
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += kReplacement;
      ++i;
    }
  }
  return out;
}

std::string escape_mrkdwn(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string unescape_mrkdwn(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '&') {
      auto rest = s.substr(i);
      if (rest.starts_with("&amp;")) { out += '&'; i += 4; continue; }
      if (rest.starts_with("&lt;")) { out += '<'; i += 3; continue; }
      if (rest.starts_with("&gt;")) { out += '>'; i += 3; continue; }
    }
    out += s[i];
  }
  return out;
}

std::string tail_lines(std::string_view s, std::size_t max_lines) {
  while (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  if (max_lines == 0) return {};
  std::size_t count = 0;
  auto pos = s.size();
  while (pos > 0) {
    auto nl = s.rfind('\n', pos - 1);
    if (nl == std::string_view::npos) return std::string(s);
    if (++count == max_lines) return std::string(s.substr(nl + 1));
    pos = nl;
  }
  return std::string(s);
}

}  // namespace tugboat::text
