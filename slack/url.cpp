#include "slack/url.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace tugboat::slack {

std::optional<url> parse_url(std::string_view text) {
  text = text::trim(text);
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  url u;
  u.scheme = text::to_lower(text.substr(0, sep));
  std::string_view default_port;
  if (u.scheme == "http" || u.scheme == "ws") default_port = "80";
  else if (u.scheme == "https" || u.scheme == "wss") default_port = "443";
  else return std::nullopt;

  auto rest = text.substr(sep + 3);
  const auto slash = rest.find_first_of("/?");
  auto authority = rest.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (u.target.front() == '?') u.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no credentials in URLs
  if (!authority.empty() && authority.front() == '[') {  // [::1]:8080
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    u.host = authority.substr(1, close - 1);
    authority.remove_prefix(close + 1);
    if (!authority.empty() && authority.front() != ':') return std::nullopt;
    u.port = authority.empty() ? std::string(default_port) : std::string(authority.substr(1));
  } else {
    const auto colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    u.port = colon == std::string_view::npos ? std::string(default_port) : std::string(authority.substr(colon + 1));
  }
  if (u.host.empty() || u.port.empty() ||
      !std::all_of(u.port.begin(), u.port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return u;
}

}  // namespace tugboat::slack
