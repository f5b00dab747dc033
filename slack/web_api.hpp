#pragma once
// The Slack Web API client: ONE choke point, `call(method, params, options)`, through which every Web API
// request goes, and one-line typed wrappers on top of it.
//
// `call`:
//   - picks the token (the app token for apps.connections.open, the bot token otherwise) and sends it
//     only in `Authorization: Bearer`;
//   - POST with a JSON body (`application/json; charset=utf-8`), or a GET query string for the read
//     methods Slack does not accept JSON for (users.info, users.lookupByEmail, conversations.replies);
//   - waits for its turn on the rate limiter (per-method tiers, chat.postMessage per channel);
//   - on 429 pauses that method for Retry-After (other methods carry on) and tries again;
//   - retries 5xx, timeouts, connection failures and transient Slack errors with backoff — but only
//     for idempotent methods; a post (chat.postMessage, chat.postEphemeral) that may have reached Slack
//     is never resent: it fails with `api_error::may_have_been_delivered()`;
//   - turns `ok:false` into `slack::api_error` (see api_error.hpp) and logs response warnings.
// All waiting goes through the injected `sleeper`, all "now" through the injected clock.
//
// GCC 12 (Debian 12's compiler) destroys twice a braced aggregate temporary written inside a co_await
// expression — `co_await f({a, b})` or `co_await f(some_struct{a, b})` — and the result of a co_await
// inside `?:`. Callers: build such arguments in a named local first. These signatures avoid aggregates.
//
// Threading and ownership: loop-thread only. The web_api borrows the http_client, sleeper and clock,
// which must outlive it and every call in flight. Throws `api_error` for every failed call; a wait
// cancelled by shutdown surfaces as boost::system::system_error (operation_aborted). No message ever
// contains a token.
//
// Wiring (composition root):
//   slack::http_client http{io.get_executor(), http_settings};
//   slack::timer_sleeper sleeper{io.get_executor()};
//   tugboat::system_clock_source clock;
//   slack::web_api api{http, sleeper, clock, settings};   // settings.base_url = SLACK_API_URL, tokens
//   co_spawn(io, [&]() -> awaitable<void> { auto me = co_await api.auth_test(); ... }, report_exception);
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "slack/api_error.hpp"
#include "slack/api_types.hpp"
#include "slack/backoff.hpp"
#include "slack/blocks.hpp"
#include "slack/http_client.hpp"
#include "slack/rate_limiter.hpp"
#include "slack/sleeper.hpp"

namespace tugboat::slack {

enum class token_kind { bot, app };

struct call_options {
  std::optional<token_kind> token;       // default: app for apps.connections.open, bot otherwise
  std::optional<bool> idempotent;        // default: from the method (reads and edits yes, posts no)
  std::chrono::milliseconds timeout{0};  // whole HTTP exchange; 0 = the http_client's default
};

struct web_api_settings {
  std::string base_url = "https://slack.com/api/";  // SLACK_API_URL
  std::string bot_token;                            // xoxb-…
  std::string app_token;                            // xapp-…
  std::chrono::milliseconds request_timeout{0};  // per HTTP exchange; 0 = the http_client's request_timeout
  unsigned max_attempts = 4;                     // tries for transient failures of idempotent calls
  unsigned max_rate_limited_retries = 5;         // 429s honoured within one call before giving up
  std::chrono::seconds default_retry_after{30};  // when a 429 carries no usable Retry-After
  std::chrono::seconds max_retry_after{900};     // a longer Retry-After fails the call (after pausing)
  backoff_policy retry_backoff{std::chrono::milliseconds{500}, std::chrono::milliseconds{20'000},
                               jitter::full};
  std::uint64_t jitter_seed = 0;    // 0 = from std::random_device
  bool rate_limits_enabled = true;  // proactive limits; 429 Retry-After is honoured regardless
  rate_limits limits;
};

class web_api {
 public:
  // Throws std::invalid_argument if base_url is not an absolute http(s) URL.
  web_api(http_client& http, sleeper& sleeper, const clock& clock, web_api_settings settings);

  boost::asio::awaitable<api_result> call(std::string_view method, api_params params = {},
                                          call_options options = {});

  // Typed wrappers (decoding in web_api_methods.cpp).
  boost::asio::awaitable<auth_info> auth_test();
  boost::asio::awaitable<std::string> apps_connections_open();  // the wss:// URL (single use)
  boost::asio::awaitable<posted_message> post_message(const outgoing_message& message);
  boost::asio::awaitable<void> update_message(const channel_id& channel, const message_ts& ts,
                                              const outgoing_message& message);
  boost::asio::awaitable<message_ts> post_ephemeral(const channel_id& channel, const user_id& user,
                                                    const outgoing_message& message);
  boost::asio::awaitable<channel_id> conversations_open(const user_id& user);
  // One page of a thread (the parent first), with message metadata when include_all_metadata.
  boost::asio::awaitable<replies_page> conversations_replies(const channel_id& channel,
                                                             const message_ts& thread_ts,
                                                             std::string cursor = {}, int limit = 200,
                                                             bool include_all_metadata = true);
  // The channel's newest messages (top level), back to `oldest_seconds` (unix time; 0 = no bound).
  boost::asio::awaitable<replies_page> conversations_history(const channel_id& channel, long long oldest_seconds,
                                                             std::string cursor = {});
  boost::asio::awaitable<user_info> users_info(const user_id& user);
  // nullopt when Slack has no user with this email (`users_not_found`).
  boost::asio::awaitable<std::optional<user_info>> users_lookup_by_email(std::string email);
  // `already_reacted` counts as success.
  boost::asio::awaitable<void> reactions_add(const channel_id& channel, const message_ts& ts,
                                             std::string name);

  const rate_limiter& limiter() const { return limiter_; }
  const web_api_settings& settings() const { return settings_; }

 private:
  boost::asio::awaitable<void> wait_turn(const std::string& method, const std::string& channel);
  std::uint64_t next_seed();

  http_client& http_;
  sleeper& sleeper_;
  const clock& clock_;
  web_api_settings settings_;
  rate_limiter limiter_;
  std::uint64_t calls_ = 0;
};

// Methods sent as GET with a query string (Slack does not accept JSON bodies for them).
bool uses_get(std::string_view method);
// Methods that may safely be sent twice (reads, edits, idempotent writes).
bool is_idempotent(std::string_view method);

}  // namespace tugboat::slack
