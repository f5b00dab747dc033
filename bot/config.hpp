#pragma once
// The bot's configuration: a TOML file, validated as a whole at start. Every key has a default except
// `[store] path`; an unknown key, a wrong type or a value out of range is a `config_error` whose message
// names the file, the line and the key. Tokens are never in the file: they come from the environment
// (see `tokens`). Plain data, any thread.
#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bot/access.hpp"
#include "core/log.hpp"
#include "workflows/quickfix/quickfix.hpp"
#include "workflows/release/release.hpp"

namespace tugboat::bot {

class config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct config {
  std::string source;  // the file it came from, for messages

  struct store_section {
    std::string path;  // required
  } store;

  struct slack_section {
    int connections = 2;  // Socket Mode connections kept open, 1..10
    std::chrono::seconds ping_timeout{20};  // silence after which a connection is replaced
    bool rate_limits = true;  // pace Web API calls to Slack's published limits (429s are honoured regardless)
  } slack;

  struct log_section {
    log::level level = log::level::info;
  } log;

  access_rules access;
  workflows::quickfix_settings quickfix;
  workflows::release_settings release;  // [release] and [reminders]

  // [owners]: who a git identity or CODEOWNERS owner is on Slack, before asking Slack itself. Keys are
  // emails or @handles (@user, @org/team), lower-cased so they match case-insensitively; values are
  // Slack user IDs.
  std::map<std::string, std::string> owners;
};

// Parses and validates `text`; `source` names it in errors. Relative paths in the config are resolved
// against `base_dir`.
config parse_config(std::string_view text, std::string_view source, std::string_view base_dir = ".");
config load_config(const std::string& path);

// The Slack tokens, from SLACK_APP_TOKEN and SLACK_BOT_TOKEN. `read_tokens` throws config_error naming the
// variable (never its value) when one is missing or has the wrong shape, and registers both with the
// log's redaction.
struct tokens {
  std::string app;  // xapp-…
  std::string bot;  // xoxb-…
};
tokens read_tokens();

// SLACK_API_URL, or Slack's own; always ends with '/'. Throws config_error for a value that is no URL.
std::string api_base_url();

}  // namespace tugboat::bot
