#include "slack/url.hpp"

#include <charconv>

#include "core/text.hpp"

namespace tugboat::slack {

std::string url_parts::host_header() const {
  const bool default_port = port == (tls() ? 443 : 80);
  const bool ipv6 = host.find(':') != std::string::npos;
  // Appends rather than `"[" + host + "]"`: GCC 12 at -O2 reports a false -Wrestrict on that.
  std::string out;
  out.reserve(host.size() + 8);
  if (ipv6) out.push_back('[');
  out.append(host);
  if (ipv6) out.push_back(']');
  if (!default_port) out.append(":").append(std::to_string(port));
  return out;
}

std::optional<url_parts> parse_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  url_parts out;
  out.scheme = text::to_lower(url.substr(0, scheme_end));
  if (out.scheme == "http" || out.scheme == "ws") {
    out.port = 80;
  } else if (out.scheme == "https" || out.scheme == "wss") {
    out.port = 443;
  } else {
    return std::nullopt;
  }

  auto rest = url.substr(scheme_end + 3);
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  const auto path_start = rest.find_first_of("/?");
  auto authority = rest.substr(0, path_start);
  // (push_back/append rather than assigning "/": GCC 12 at -O2 reports a false -Wrestrict on that.)
  std::string target;
  if (path_start == std::string_view::npos || rest[path_start] == '?') target.push_back('/');
  if (path_start != std::string_view::npos) target.append(rest.substr(path_start));
  out.target = std::move(target);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

  std::string_view port_text;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    out.host = std::string{authority.substr(1, close - 1)};
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port_text = after.substr(1);
      if (port_text.empty()) return std::nullopt;
    }
  } else {
    const auto colon = authority.find(':');
    out.host = std::string{authority.substr(0, colon)};
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return std::nullopt;
    }
    if (out.host.empty()) return std::nullopt;
    out.host = text::to_lower(out.host);
  }
  if (!port_text.empty()) {
    unsigned value = 0;
    const auto* end = port_text.data() + port_text.size();
    const auto [ptr, ec] = std::from_chars(port_text.data(), end, value);
    if (ec != std::errc{} || ptr != end || value == 0 || value > 65535) return std::nullopt;
    out.port = static_cast<std::uint16_t>(value);
  }
  for (const char c : out.target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return std::nullopt;  // no spaces or controls in a request line
  return out;
}

std::string url_encode(std::string_view s) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4U]);
      out.push_back(kHex[c & 0x0FU]);
    }
  }
  return out;
}

}  // namespace tugboat::slack
