#pragma once
// A small URL parser for the schemes the Slack edge speaks: http, https (Web API, emulator) and ws, wss
// (Socket Mode URLs from apps.connections.open). Only absolute URLs of the form
// scheme://host[:port][/path][?query]; IPv6 literals in brackets; no user info. Pure, any thread.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tugboat::slack {

struct url_parts {
  std::string scheme;      // lower case: "http", "https", "ws" or "wss"
  std::string host;        // without brackets for IPv6 literals
  std::uint16_t port = 0;  // explicit or the scheme's default (80 / 443)
  std::string target;      // path and query, at least "/"; never the fragment

  bool tls() const { return scheme == "https" || scheme == "wss"; }
  // "host" or "host:port" as the Host header wants it (default ports omitted, IPv6 bracketed).
  std::string host_header() const;
};

// nullopt for anything that is not an absolute http/https/ws/wss URL with a host and a valid port.
std::optional<url_parts> parse_url(std::string_view url);

// Percent-encodes everything except RFC 3986 unreserved characters (for query strings and forms).
std::string url_encode(std::string_view s);

}  // namespace tugboat::slack
