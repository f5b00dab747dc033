#include "slack/api_error.hpp"

#include <array>
#include <utility>

#include "core/log.hpp"

namespace tugboat::slack {
namespace {

// Credentials or app configuration: retrying cannot help, a human must act.
constexpr std::array<std::string_view, 16> kFatal{"invalid_auth",
                                                  "not_authed",
                                                  "account_inactive",
                                                  "token_revoked",
                                                  "token_expired",
                                                  "no_permission",
                                                  "not_allowed_token_type",
                                                  "missing_scope",
                                                  "team_disabled",
                                                  "user_removed_from_team",
                                                  "team_access_not_granted",
                                                  "ekm_access_denied",
                                                  "org_login_required",
                                                  "two_factor_setup_required",
                                                  "access_denied",
                                                  "invalid_token"};

// Slack (or the path to it) had a problem; the same request may work later.
constexpr std::array<std::string_view, 10> kTransient{
    "ratelimited",     "rate_limited", "internal_error",    "fatal_error",      "service_unavailable",
    "request_timeout", "timeout",      "connection_failed", "invalid_response", "team_added_to_org"};

std::string describe(const api_error_details& d) {
  std::string out = "slack " + d.method + " failed: " + d.code;
  if (!d.needed.empty() || !d.provided.empty())
    out += " (needs scope '" + d.needed + "'; the token has '" + d.provided + "')";
  if (!d.detail.empty()) out += " — " + d.detail;
  if (d.may_have_been_delivered) out += " — the request may have been delivered";
  // Belt and braces: nothing that looks like a token leaves in an error message.
  return log::redact(out);
}

}  // namespace

std::string_view to_string(error_class c) {
  switch (c) {
    case error_class::transient:
      return "transient";
    case error_class::permanent:
      return "permanent";
    case error_class::fatal:
      return "fatal";
  }
  return "permanent";
}

error_class classify_error(std::string_view code) {
  for (const auto fatal : kFatal)
    if (code == fatal) return error_class::fatal;
  for (const auto transient : kTransient)
    if (code == transient) return error_class::transient;
  if (code.starts_with("http_5")) return error_class::transient;
  return error_class::permanent;
}

api_error::api_error(api_error_details details)
    : std::runtime_error(describe(details)), details_(std::move(details)) {}

}  // namespace tugboat::slack
