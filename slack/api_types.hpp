#pragma once
// Plain data for the Web API client: the parameters of a call (`api_params`), the raw result of the
// choke point (`api_result`) and the decoded results of the typed wrappers. No JSON library here; the
// encoding and decoding live in web_api.cpp / web_api_methods.cpp. Plain values, any thread.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "slack/ids.hpp"

namespace tugboat::slack {

// Already-encoded JSON (blocks, metadata), inserted verbatim into a JSON body.
struct raw_json {
  std::string text;
};

// Arguments of a Web API call, in order. Sent as a JSON object for POST methods and as a query string
// for GET methods (raw JSON then travels as its text, which is what Slack expects in forms).
class api_params {
 public:
  using value = std::variant<std::string, bool, std::int64_t, raw_json>;

  api_params& add(std::string key, std::string v) { return put(std::move(key), value{std::move(v)}); }
  api_params& add(std::string key, std::string_view v) { return put(std::move(key), value{std::string{v}}); }
  api_params& add(std::string key, const char* v) { return put(std::move(key), value{std::string{v}}); }
  api_params& add(std::string key, bool v) { return put(std::move(key), value{v}); }
  api_params& add(std::string key, std::int64_t v) { return put(std::move(key), value{v}); }
  api_params& add(std::string key, int v) { return put(std::move(key), value{std::int64_t{v}}); }
  api_params& add_json(std::string key, std::string json) {
    return put(std::move(key), value{raw_json{std::move(json)}});
  }

  const std::vector<std::pair<std::string, value>>& entries() const { return entries_; }
  // The string value of `key`, if present and a string.
  std::optional<std::string_view> find_string(std::string_view key) const {
    for (const auto& [k, v] : entries_)
      if (k == key)
        if (const auto* s = std::get_if<std::string>(&v)) return std::string_view{*s};
    return std::nullopt;
  }

 private:
  api_params& put(std::string key, value v) {
    entries_.emplace_back(std::move(key), std::move(v));
    return *this;
  }
  std::vector<std::pair<std::string, value>> entries_;
};

// A successful (`ok:true`) answer.
struct api_result {
  std::string body;                   // the JSON response as received
  std::string oauth_scopes;           // the x-oauth-scopes header, if Slack sent one
  std::vector<std::string> warnings;  // `warning` and response_metadata.warnings
};

struct auth_info {
  user_id user;
  bot_id bot;
  team_id team;
  std::string team_name;
  std::string url;
  std::vector<std::string> scopes;  // from x-oauth-scopes; empty if the header was absent
};

struct posted_message {
  channel_id channel;
  message_ts ts;
};

struct thread_message {
  message_ts ts;
  message_ts thread_ts;
  user_id user;
  bot_id bot;
  std::string text;
  std::string metadata_event_type;                                    // empty if the message has no metadata
  std::string metadata_payload_json;                                  // event_payload as JSON ("" if none)
  std::vector<std::pair<std::string, std::string>> metadata_payload;  // its string-valued entries
};

struct replies_page {
  std::vector<thread_message> messages;
  std::string next_cursor;  // empty on the last page
};

struct user_info {
  user_id id;
  std::string name;
  std::string real_name;
  std::string email;  // needs users:read.email
  std::string tz;     // e.g. "Europe/Berlin"
  int tz_offset = 0;  // seconds east of UTC
  bool is_bot = false;
  bool deleted = false;
};

}  // namespace tugboat::slack
