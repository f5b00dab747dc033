#include "slack/web_api.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <charconv>
#include <random>
#include <utility>

#include "core/log.hpp"
#include "core/text.hpp"
#include "slack/url.hpp"

namespace tugboat::slack {
namespace {

constexpr std::string_view kComponent = "slack.web";
constexpr std::array<std::string_view, 4> kGetMethods{"users.info", "users.lookupByEmail",
                                                      "conversations.replies", "conversations.history"};
// POST methods that can be sent twice without a visible effect. Posts are deliberately absent.
constexpr std::array<std::string_view, 6> kIdempotentPosts{"auth.test",     "apps.connections.open",
                                                           "chat.update",   "conversations.open",
                                                           "reactions.add", "views.publish"};

// What the choke point needs from any answer; the typed wrappers decode the rest.
struct envelope {
  bool valid = false;
  bool ok = false;
  std::string error;
  std::string needed;
  std::string provided;
  std::vector<std::string> warnings;
};

std::string string_member(const rapidjson::Value& object, const char* key) {
  const auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

envelope parse_envelope(const std::string& body) {
  envelope e;
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return e;
  const auto ok = doc.FindMember("ok");
  if (ok == doc.MemberEnd() || !ok->value.IsBool()) return e;
  e.valid = true;
  e.ok = ok->value.GetBool();
  e.error = string_member(doc, "error");
  e.needed = string_member(doc, "needed");
  e.provided = string_member(doc, "provided");
  // `warning` is a comma-separated list; response_metadata.warnings an array.
  const auto warning = string_member(doc, "warning");
  for (auto w : text::split_words(warning)) {
    while (!w.empty() && w.back() == ',') w.remove_suffix(1);
    if (!w.empty()) e.warnings.emplace_back(w);
  }
  const auto meta = doc.FindMember("response_metadata");
  if (meta != doc.MemberEnd() && meta->value.IsObject()) {
    const auto warnings = meta->value.FindMember("warnings");
    if (warnings != meta->value.MemberEnd() && warnings->value.IsArray()) {
      for (const auto& w : warnings->value.GetArray()) {
        if (!w.IsString()) continue;
        std::string text{w.GetString(), w.GetStringLength()};
        if (std::find(e.warnings.begin(), e.warnings.end(), text) == e.warnings.end())
          e.warnings.push_back(std::move(text));
      }
    }
  }
  return e;
}

std::string json_body(const api_params& params) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  for (const auto& [key, value] : params.entries()) {
    w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    if (const auto* s = std::get_if<std::string>(&value)) {
      const auto clean = text::clean_utf8(*s);
      w.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
    } else if (const auto* b = std::get_if<bool>(&value)) {
      w.Bool(*b);
    } else if (const auto* i = std::get_if<std::int64_t>(&value)) {
      w.Int64(*i);
    } else if (const auto* raw = std::get_if<raw_json>(&value)) {
      w.RawValue(raw->text.data(), raw->text.size(), rapidjson::kObjectType);
    }
  }
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string query_string(const api_params& params) {
  std::string out;
  for (const auto& [key, value] : params.entries()) {
    if (!out.empty()) out.push_back('&');
    out += url_encode(key);
    out.push_back('=');
    if (const auto* s = std::get_if<std::string>(&value)) {
      out += url_encode(*s);
    } else if (const auto* b = std::get_if<bool>(&value)) {
      out += *b ? "true" : "false";
    } else if (const auto* i = std::get_if<std::int64_t>(&value)) {
      out += std::to_string(*i);
    } else if (const auto* raw = std::get_if<raw_json>(&value)) {
      out += url_encode(raw->text);
    }
  }
  return out;
}

// A token goes into a header line: anything outside printable ASCII would corrupt the request (or
// smuggle a header), so it is refused before sending.
bool header_safe(std::string_view token) {
  for (const char c : token)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return false;
  return !token.empty();
}

std::optional<std::chrono::seconds> parse_retry_after(const http_response& response) {
  const auto value = response.header("Retry-After");
  if (!value) return std::nullopt;
  const auto trimmed = text::trim(*value);
  long long seconds = 0;
  const auto* end = trimmed.data() + trimmed.size();
  const auto [ptr, ec] = std::from_chars(trimmed.data(), end, seconds);
  if (ec != std::errc{} || ptr != end || seconds < 0) return std::nullopt;
  return std::chrono::seconds{seconds};
}

double to_seconds(sleeper::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

bool uses_get(std::string_view method) {
  return std::find(kGetMethods.begin(), kGetMethods.end(), method) != kGetMethods.end();
}

bool is_idempotent(std::string_view method) {
  return uses_get(method) ||
         std::find(kIdempotentPosts.begin(), kIdempotentPosts.end(), method) != kIdempotentPosts.end();
}

web_api::web_api(http_client& http, sleeper& sleeper, const clock& clock, web_api_settings settings)
    : http_(http),
      sleeper_(sleeper),
      clock_(clock),
      settings_(std::move(settings)),
      limiter_(settings_.limits) {
  const auto base = parse_url(settings_.base_url);
  if (!base || (base->scheme != "http" && base->scheme != "https"))
    throw std::invalid_argument("web_api: SLACK_API_URL must be an absolute http(s) URL");
  if (settings_.base_url.back() != '/') settings_.base_url.push_back('/');
}

std::uint64_t web_api::next_seed() {
  ++calls_;
  if (settings_.jitter_seed == 0) return std::random_device{}();
  return settings_.jitter_seed + calls_;
}

boost::asio::awaitable<void> web_api::wait_turn(const std::string& method, const std::string& channel) {
  const rate_route route{method, channel};
  for (;;) {
    if (const auto pause = limiter_.paused_for(method, clock_.now()); pause > sleeper::duration::zero()) {
      co_await sleeper_.sleep(pause);
      continue;
    }
    if (!settings_.rate_limits_enabled) co_return;
    for (const bool channel_stage : {true, false}) {
      const auto wait = channel_stage ? limiter_.reserve_channel(route, clock_.now())
                                      : limiter_.reserve_method(method, clock_.now());
      if (wait > sleeper::duration::zero()) {
        log::debug(kComponent, "{} waits {:.3f}s for its rate-limit slot", method, to_seconds(wait));
        co_await sleeper_.sleep(wait);
      }
    }
    // A 429 that arrived while this call slept invalidates its slot.
    if (limiter_.paused_for(method, clock_.now()) == sleeper::duration::zero()) co_return;
  }
}

boost::asio::awaitable<api_result> web_api::call(std::string_view method_name, api_params params,
                                                 call_options options) {
  const std::string method{method_name};
  const auto kind =
      options.token.value_or(method == "apps.connections.open" ? token_kind::app : token_kind::bot);
  const std::string& token = kind == token_kind::app ? settings_.app_token : settings_.bot_token;
  const auto fail = [&](std::string code, error_class klass, bool delivered, int status, std::string detail) {
    return api_error{
        api_error_details{method, std::move(code), klass, delivered, status, {}, {}, std::move(detail)}};
  };
  if (!header_safe(token)) {
    throw fail("not_authed", error_class::fatal, false, 0,
               kind == token_kind::app ? "no usable app token (SLACK_APP_TOKEN)"
                                       : "no usable bot token (SLACK_BOT_TOKEN)");
  }

  const bool get = uses_get(method);
  const bool idempotent = options.idempotent.value_or(is_idempotent(method));
  const std::string channel{method == "chat.postMessage" ? params.find_string("channel").value_or("") : ""};

  http_request request;
  request.verb = get ? http_verb::get : http_verb::post;
  request.url = settings_.base_url + method;
  request.headers.push_back({"Authorization", "Bearer " + token});
  if (get) {
    if (!params.entries().empty()) request.url += "?" + query_string(params);
  } else {
    request.headers.push_back({"Content-Type", "application/json; charset=utf-8"});
    request.body = json_body(params);
  }
  request.timeout = options.timeout.count() > 0 ? options.timeout : settings_.request_timeout;
  request.replayable = idempotent;

  backoff retry_backoff{settings_.retry_backoff, next_seed()};
  unsigned failures = 0;
  unsigned rate_limited = 0;
  // One retryable failure: give up after max_attempts, otherwise wait and go again.
  const auto retry_or_throw = [&](api_error error) -> sleeper::duration {
    if (++failures >= settings_.max_attempts) throw error;
    const auto wait = retry_backoff.next();
    log::warn(kComponent, "{} failed ({}), attempt {}/{}; retrying in {:.3f}s", method, error.code(),
              failures, settings_.max_attempts, to_seconds(wait));
    return wait;
  };

  for (;;) {
    co_await wait_turn(method, channel);

    std::optional<http_response> answer;
    std::optional<http_error> transport;
    try {
      http_request attempt = request;
      auto response = co_await http_.request(std::move(attempt));
      answer.emplace(std::move(response));
    } catch (const http_error& e) {
      transport = e;
    }

    if (transport) {
      const auto code = transport->timed_out() ? "timeout" : "connection_failed";
      const bool reached = transport->may_have_reached_server();
      if (reached && !idempotent) throw fail(code, error_class::transient, true, 0, transport->what());
      const auto wait = retry_or_throw(fail(code, error_class::transient, false, 0, transport->what()));
      co_await sleeper_.sleep(wait);
      continue;
    }

    const int status = answer->status;
    const auto env = parse_envelope(answer->body);
    if (status == 429 ||
        (env.valid && !env.ok && (env.error == "ratelimited" || env.error == "rate_limited"))) {
      const auto retry_after = parse_retry_after(*answer).value_or(settings_.default_retry_after);
      limiter_.pause(method, retry_after, clock_.now());
      if (++rate_limited > settings_.max_rate_limited_retries || retry_after > settings_.max_retry_after) {
        throw fail("ratelimited", error_class::transient, false, status,
                   fmt::format("Retry-After {}s", retry_after.count()));
      }
      log::warn(kComponent, "{} rate limited (HTTP {}); pausing it for {}s", method, status,
                retry_after.count());
      continue;
    }
    if (status >= 500 || status == 408) {
      const auto code = fmt::format("http_{}", status);
      if (!idempotent) throw fail(code, error_class::transient, true, status, {});
      const auto wait = retry_or_throw(fail(code, error_class::transient, false, status, {}));
      co_await sleeper_.sleep(wait);
      continue;
    }
    if (!env.valid) {
      if (status != 200)
        throw fail(fmt::format("http_{}", status), error_class::permanent, false, status, {});
      if (!idempotent)
        throw fail("invalid_response", error_class::transient, true, status, "the answer is not Slack JSON");
      const auto wait = retry_or_throw(
          fail("invalid_response", error_class::transient, false, status, "the answer is not Slack JSON"));
      co_await sleeper_.sleep(wait);
      continue;
    }
    for (const auto& warning : env.warnings) log::warn(kComponent, "{} warning: {}", method, warning);
    if (env.ok) {
      log::debug(kComponent, "{} ok", method);
      api_result result;
      result.body = std::move(answer->body);
      if (const auto scopes = answer->header("x-oauth-scopes")) result.oauth_scopes = std::string{*scopes};
      result.warnings = env.warnings;
      co_return result;
    }

    const auto code = env.error.empty() ? std::string{"unknown_error"} : env.error;
    const auto klass = classify_error(code);
    // "It's possible some aspect of the operation succeeded" (Slack on internal_error / fatal_error).
    const bool maybe_done = code == "internal_error" || code == "fatal_error";
    if (klass == error_class::transient && (idempotent || !maybe_done)) {
      const auto wait = retry_or_throw(fail(code, klass, false, status, {}));
      co_await sleeper_.sleep(wait);
      continue;
    }
    throw api_error{api_error_details{
        method, code, klass, maybe_done && !idempotent, status, env.needed, env.provided, {}}};
  }
}

}  // namespace tugboat::slack
