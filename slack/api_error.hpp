#pragma once
// The one error type of the Web API client. Every failed call ends in `slack::api_error`, whether Slack
// answered `ok:false`, the HTTP status was wrong, or the network failed:
//   - `code()` is Slack's error string (`channel_not_found`, `missing_scope`, `ratelimited`, …) or, for
//     failures without a Slack answer, one of `timeout`, `connection_failed`, `invalid_response`,
//     `http_<status>`;
//   - `klass()` says what the caller can do about it (see error_class);
//   - `may_have_been_delivered()` is true when a non-idempotent post failed after the request may have
//     reached Slack (timeout after sending, 5xx, `internal_error` / `fatal_error`): the post must not be
//     sent again blindly; the outbox looks for it (conversations.replies + metadata) first.
// The message never contains a token. Plain data; copyable; any thread.
#include <stdexcept>
#include <string>
#include <string_view>

namespace tugboat::slack {

enum class error_class {
  transient,  // may work later: rate limited, Slack or network trouble
  permanent,  // this request is wrong and will keep failing (channel_not_found, invalid_blocks, …)
  fatal,      // the bot's credentials or app configuration are broken (invalid_auth, missing_scope, …)
};

std::string_view to_string(error_class c);

// How Slack's error codes are classified (unknown codes are permanent).
error_class classify_error(std::string_view code);

struct api_error_details {
  std::string method;
  std::string code;
  error_class klass = error_class::permanent;
  bool may_have_been_delivered = false;
  int http_status = 0;   // 0 when no HTTP answer arrived
  std::string needed;    // missing_scope: the scope(s) the method needs
  std::string provided;  // missing_scope: the scopes the token has
  std::string detail;    // transport detail (host, port, what failed); never a token
};

class api_error : public std::runtime_error {
 public:
  explicit api_error(api_error_details details);

  const std::string& method() const { return details_.method; }
  const std::string& code() const { return details_.code; }
  error_class klass() const { return details_.klass; }
  bool retryable() const { return details_.klass == error_class::transient; }
  bool fatal() const { return details_.klass == error_class::fatal; }
  bool may_have_been_delivered() const { return details_.may_have_been_delivered; }
  int http_status() const { return details_.http_status; }
  const std::string& needed() const { return details_.needed; }
  const std::string& provided() const { return details_.provided; }
  const api_error_details& details() const { return details_; }

 private:
  api_error_details details_;
};

}  // namespace tugboat::slack
