#pragma once
// URLs as the Slack edge meets them: the Web API base (https://slack.com/api/, http://127.0.0.1:N/api/
// for the emulator) and Socket Mode links (wss://…/link/?ticket=…, ws:// from the emulator).
#include <optional>
#include <string>
#include <string_view>

namespace tugboat::slack {

struct url {
  std::string scheme;  // http | https | ws | wss (lower case)
  std::string host;
  std::string port;    // always set: the scheme's default when the URL has none
  std::string target;  // path and query, at least "/"

  bool secure() const { return scheme == "https" || scheme == "wss"; }
};

// nullopt for anything that is not an absolute http(s)/ws(s) URL with a host.
std::optional<url> parse_url(std::string_view text);

}  // namespace tugboat::slack
