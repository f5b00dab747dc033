// The Web API's front door: /api/<method> requests are parsed, authenticated, put through injected
// faults and rate limits in one place (`web_api`), then dispatched to the methods in web_methods.cpp.
// Also the POSTs to response_urls.
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>

#include "core/log.hpp"
#include "slack/emulator/emulator_impl.hpp"
#include "slack/emulator/json_shapes.hpp"

namespace tugboat::slack {
namespace {

using emu::http_request;
using emu::http_response;
using writer = rapidjson::Writer<rapidjson::StringBuffer>;

http_response error(std::string_view code) {
  return {
      200, "application/json; charset=utf-8", fmt::format(R"({{"ok":false,"error":"{}"}})", code), {}, {}};
}

std::string get(const params& p, std::string_view k) {
  auto it = p.find(k);
  return it == p.end() ? std::string() : it->second;
}

std::string scope_for(std::string_view method, std::string_view channel) {
  if (method.starts_with("chat.")) return "chat:write";
  if (method == "conversations.open") return "im:write";
  if (method == "conversations.replies" || method == "conversations.history") {
    return channel.starts_with("D") ? "im:history" : "channels:history";
  }
  if (method == "users.info") return "users:read";
  if (method == "users.lookupByEmail") return "users:read.email";
  if (method == "reactions.add") return "reactions:write";
  return {};
}

bool truthy(const params& p, std::string_view k) {
  auto v = get(p, k);
  return v == "true" || v == "1";
}

}  // namespace

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

namespace {
void parse_form(std::string_view text, params& out) {
  while (!text.empty()) {
    auto amp = text.find('&');
    auto part = text.substr(0, amp);
    if (!part.empty()) {
      auto eq = part.find('=');
      out[url_decode(part.substr(0, eq))] =
          eq == std::string_view::npos ? "" : url_decode(part.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    text.remove_prefix(amp + 1);
  }
}
}  // namespace

bool parse_params(const http_request& req, params& out) {
  parse_form(req.query, out);
  if (req.body.empty()) return true;
  if (req.content_type.starts_with("application/json")) {
    rapidjson::Document d;
    d.Parse(req.body.data(), req.body.size());
    if (d.HasParseError() || !d.IsObject()) return false;
    for (const auto& m : d.GetObject()) {
      std::string key(m.name.GetString(), m.name.GetStringLength());
      if (key == "token") continue;  // JSON bodies must carry the token in the header
      if (m.value.IsString()) {
        out[key] = std::string(m.value.GetString(), m.value.GetStringLength());
      } else if (!m.value.IsNull()) {
        rapidjson::StringBuffer buf;
        writer w(buf);
        m.value.Accept(w);
        out[key] = std::string(buf.GetString(), buf.GetSize());
      }
    }
    return true;
  }
  parse_form(req.body, out);
  return true;
}

void emulator::impl::handle_http(http_request req, emu::respond_fn respond) {
  if (req.path.starts_with("/api/")) return respond(web_api(req, req.path.substr(5)));
  if (req.path.starts_with("/_emulator/")) return control(req, std::move(respond));
  if (req.path.starts_with("/hooks/")) return respond(response_url_post(req, req.path.substr(7)));
  respond({404, "text/plain", "not found\n", {}, {}});
}

http_response emulator::impl::web_api(const http_request& req, std::string method) {
  ++api_calls[method];
  std::chrono::milliseconds delay{0};
  // Injected faults come first, as a broken Slack would answer before looking at anything.
  for (auto it = faults.begin(); it != faults.end(); ++it) {
    if (it->method != method && it->method != "*") continue;
    auto f = *it;
    if (f.count > 0 && --it->count == 0) faults.erase(it);
    switch (f.what) {
      case method_fault::kind::delay:
        delay = f.delay;
        break;
      case method_fault::kind::ratelimited: {
        ++responses_429;
        auto r = error("ratelimited");
        r.status = 429;
        r.headers.emplace_back("Retry-After", std::to_string(f.retry_after_s));
        return r;
      }
      case method_fault::kind::http_status:
        return {static_cast<unsigned>(f.http_status),
                "text/html",
                "<html><body>upstream trouble</body></html>",
                {},
                {}};
      case method_fault::kind::error:
        return error(f.error);
    }
    break;
  }
  auto r = [&]() -> http_response {
    params p;
    if (!parse_params(req, p)) return error("invalid_json");
    std::string token;
    if (req.authorization.starts_with("Bearer ")) token = req.authorization.substr(7);
    if (token.empty()) token = get(p, "token");
    const bool app_method = method == "apps.connections.open";
    if (app_method && req.verb != "POST") return error("insecure_request");  // Slack's name for "not a POST"
    if (token.empty()) return error("not_authed");
    if (token == (app_method ? settings.bot_token : settings.app_token))
      return error("not_allowed_token_type");
    if (token != (app_method ? settings.app_token : settings.bot_token)) return error("invalid_auth");
    if (rate_limits_on) {
      if (int retry = limiter.admit(method, get(p, "channel"), std::chrono::steady_clock::now()); retry > 0) {
        ++responses_429;
        auto e = error("ratelimited");
        e.status = 429;
        e.headers.emplace_back("Retry-After", std::to_string(retry));
        return e;
      }
    }
    if (app_method) {
      auto url = fmt::format("{}://{}:{}/link/?ticket={}&app_id={}", settings.tls.enabled ? "wss" : "ws",
                             settings.host == "0.0.0.0" ? std::string("127.0.0.1") : settings.host, port,
                             hub->new_ticket(), settings.app_id);
      return {200,
              "application/json; charset=utf-8",
              fmt::format(R"({{"ok":true,"url":{}}})", emu::json_quote(url)),
              {},
              {}};
    }
    std::string scopes;
    for (const auto& s : settings.bot_scopes) scopes += (scopes.empty() ? "" : ",") + s;
    auto needed = scope_for(method, get(p, "channel"));
    if (!needed.empty() && std::find(settings.bot_scopes.begin(), settings.bot_scopes.end(), needed) ==
                               settings.bot_scopes.end()) {
      http_response out{200,
                        "application/json; charset=utf-8",
                        fmt::format(R"({{"ok":false,"error":"missing_scope","needed":{},"provided":{}}})",
                                    emu::json_quote(needed), emu::json_quote(scopes)),
                        {},
                        {}};
      out.headers.emplace_back("x-oauth-scopes", scopes);
      out.headers.emplace_back("x-accepted-oauth-scopes", needed);
      return out;
    }

    using handler = std::function<http_response(emulator::impl&, const params&)>;
    static const std::map<std::string, handler, std::less<>> kMethods = {
        {"auth.test", [](emulator::impl& i, const params&) { return i.auth_test(); }},
        {"chat.postMessage", [](emulator::impl& i, const params& a) { return i.chat_post(a, false); }},
        {"chat.postEphemeral", [](emulator::impl& i, const params& a) { return i.chat_post(a, true); }},
        {"chat.update", [](emulator::impl& i, const params& a) { return i.chat_update(a); }},
        {"chat.delete", [](emulator::impl& i, const params& a) { return i.chat_delete(a); }},
        {"conversations.open", [](emulator::impl& i, const params& a) { return i.conversations_open(a); }},
        {"conversations.replies",
         [](emulator::impl& i, const params& a) { return i.conversations_read(a, true); }},
        {"conversations.history",
         [](emulator::impl& i, const params& a) { return i.conversations_read(a, false); }},
        {"users.info", [](emulator::impl& i, const params& a) { return i.users_read(a, false); }},
        {"users.lookupByEmail", [](emulator::impl& i, const params& a) { return i.users_read(a, true); }},
        {"reactions.add", [](emulator::impl& i, const params& a) { return i.reactions_add(a); }},
    };
    auto it = kMethods.find(method);
    if (it == kMethods.end()) return error("unknown_method");
    auto out = it->second(*this, p);
    out.headers.emplace_back("x-oauth-scopes", scopes);
    if (!needed.empty()) out.headers.emplace_back("x-accepted-oauth-scopes", needed);
    return out;
  }();
  r.delay = delay;
  return r;
}

// ---- response_url ----------------------------------------------------------------------------------------

http_response emulator::impl::response_url_post(const http_request& req, const std::string& id) {
  auto it = response_urls.find(id);
  if (it == response_urls.end() || it->second.uses_left <= 0)
    return {404, "text/plain", "expired_url", {}, {}};
  --it->second.uses_left;
  auto target = it->second;
  params p;
  if (!parse_params(req, p)) return {400, "text/plain", "invalid_payload", {}, {}};
  auto blocks = get(p, "blocks");
  if (!blocks.empty() && !emu::valid_blocks(blocks)) return {400, "text/plain", "invalid_blocks", {}, {}};
  if (!blocks.empty()) blocks = emu::with_block_ids(blocks, block_counter);
  if (!target.message_ts.empty() && (truthy(p, "delete_original") || truthy(p, "replace_original"))) {
    auto* m = ws.find_message(target.channel, target.message_ts);
    if (m == nullptr) return {404, "text/plain", "message_not_found", {}, {}};
    if (truthy(p, "delete_original")) {
      m->deleted = true;
    } else {
      m->text = get(p, "text");
      m->blocks_json = blocks;
      m->buttons = emu::buttons_from_blocks(blocks);
      ++m->edited;
    }
    ws.changed(*m);
    return {200, "text/plain", "ok", {}, {}};
  }
  emulated_message m;
  m.channel = target.channel;
  m.user = std::string(emu::kBotUser);
  m.bot_id = std::string(emu::kBotId);
  m.text = get(p, "text");
  m.blocks_json = blocks;
  m.buttons = emu::buttons_from_blocks(blocks);
  m.thread_ts = get(p, "thread_ts");
  if (get(p, "response_type") != "in_channel") m.ephemeral_to = target.user;
  m.ts = ws.next_ts();
  ws.add_message(std::move(m));
  return {200, "text/plain", "ok", {}, {}};
}

}  // namespace tugboat::slack
