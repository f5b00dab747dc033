// The control surface over HTTP, /_emulator/…: the same operations as the C++ API, JSON in and out, for
// tests and tools that drive a `tugboat` process from outside. Every endpoint is listed in
// docs/emulator.md. Errors answer HTTP 400 {"ok":false,"error":"…"}.
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <stdexcept>

#include "slack/emulator/emulator_impl.hpp"
#include "slack/emulator/json_reply.hpp"

namespace tugboat::slack {
namespace {

using emu::http_response;
using writer = rapidjson::Writer<rapidjson::StringBuffer>;

using json_out = emu::json_reply;

http_response bad(std::string_view what) {
  auto r = json_out(false).str("error", what).finish();
  r.status = 400;
  return r;
}

std::string get(const params& p, std::string_view k, std::string fallback = {}) {
  auto it = p.find(k);
  return it == p.end() ? fallback : it->second;
}

long long get_int(const params& p, std::string_view k, long long fallback) {
  auto v = get(p, k);
  if (v.empty()) return fallback;
  try {
    return std::stoll(v);
  } catch (const std::exception&) {
    throw std::invalid_argument(fmt::format("'{}' must be a number", k));
  }
}

bool get_bool(const params& p, std::string_view k, bool fallback) {
  auto v = get(p, k);
  if (v.empty()) return fallback;
  return v == "true" || v == "1";
}

std::string require(const params& p, std::string_view k) {
  auto v = get(p, k);
  if (v.empty()) throw std::invalid_argument(fmt::format("'{}' is required", k));
  return v;
}

http_response pushed(const push_result& r) {
  return json_out()
      .str("event_id", r.event_id)
      .str("ts", r.ts)
      .str("envelope_id", r.envelope_id)
      .str("channel", r.channel)
      .finish();
}

void write_message(writer& w, const emulated_message& m) {
  auto s = [&](const char* k, const std::string& v) {
    w.Key(k);
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  };
  w.StartObject();
  w.Key("seq");
  w.Uint64(m.seq);
  w.Key("updated_seq");
  w.Uint64(m.updated_seq);
  s("channel", m.channel);
  s("ts", m.ts);
  s("thread_ts", m.thread_ts);
  s("user", m.user);
  s("bot_id", m.bot_id);
  s("text", m.text);
  w.Key("blocks");
  if (m.blocks_json.empty()) {
    w.Null();
  } else {
    w.RawValue(m.blocks_json.data(), m.blocks_json.size(), rapidjson::kArrayType);
  }
  w.Key("buttons");
  w.StartArray();
  for (const auto& b : m.buttons) {
    w.StartObject();
    s("text", b.text);
    s("action_id", b.action_id);
    s("value", b.value);
    s("style", b.style);
    s("block_id", b.block_id);
    w.EndObject();
  }
  w.EndArray();
  s("metadata_event_type", m.metadata_event_type);
  w.Key("metadata_payload");
  if (m.metadata_payload_json.empty()) {
    w.Null();
  } else {
    w.RawValue(m.metadata_payload_json.data(), m.metadata_payload_json.size(), rapidjson::kObjectType);
  }
  w.Key("edited");
  w.Int(m.edited);
  s("ephemeral_to", m.ephemeral_to);
  w.Key("deleted");
  w.Bool(m.deleted);
  w.Key("reactions");
  w.StartArray();
  for (const auto& r : m.reactions) w.String(r.c_str());
  w.EndArray();
  w.EndObject();
}

void write_latency(json_out& o, const char* key, const std::vector<double>& samples) {
  auto s = summarize_latencies(samples);
  o.w.Key(key);
  o.w.StartObject();
  o.uint("count", s.count)
      .num("p50_us", s.p50_us)
      .num("p99_us", s.p99_us)
      .num("max_us", s.max_us)
      .num("mean_us", s.mean_us);
  o.w.EndObject();
}

http_response flood_json(const flood_result& r, bool samples) {
  json_out o;
  double secs = std::chrono::duration<double>(r.elapsed).count();
  o.uint("sent", r.sent)
      .uint("acked", r.acked)
      .boolean("finished", r.finished)
      .uint("elapsed_us", static_cast<std::uint64_t>(r.elapsed.count()));
  o.num("acks_per_second", secs > 0 ? static_cast<double>(r.acked) / secs : 0.0);
  write_latency(o, "ack_latency", r.ack_latency_us);
  if (samples) {
    o.w.Key("samples_us");
    o.w.StartArray();
    for (double v : r.ack_latency_us) o.w.Double(v);
    o.w.EndArray();
  }
  return o.finish();
}

}  // namespace

void emulator::impl::control(const emu::http_request& req, emu::respond_fn respond) {
  auto op = req.path.substr(std::string_view("/_emulator/").size());
  params p;
  if (!parse_params(req, p)) return respond(bad("invalid_json"));
  try {
    auto messages_filter = [this, p]() {
      std::string channel = get(p, "channel");
      if (!channel.empty()) {
        if (const auto* c = ws.find_channel(channel)) channel = c->id;
      }
      auto list = ws.snapshot(channel, !get_bool(p, "all", false));
      auto since_ts = get(p, "since_ts");
      auto since_seq = static_cast<std::uint64_t>(get_int(p, "since_seq", 0));
      std::erase_if(list, [&](const emulated_message& m) {
        return (!since_ts.empty() && m.ts <= since_ts) || (since_seq > 0 && m.updated_seq <= since_seq);
      });
      return list;
    };
    auto messages_json = [](const std::vector<emulated_message>& list, bool ok, std::string_view error) {
      json_out o(ok);
      if (!ok) o.str("error", error);
      o.w.Key("messages");
      o.w.StartArray();
      for (const auto& m : list) write_message(o.w, m);
      o.w.EndArray();
      return o.finish();
    };

    if (op == "info") {
      return respond(json_out()
                         .str("api_url", base_url() + "api/")
                         .str("base_url", base_url())
                         .str("app_token", settings.app_token)
                         .str("bot_token", settings.bot_token)
                         .str("app_id", settings.app_id)
                         .str("team_id", emu::kTeamId)
                         .str("bot_user_id", emu::kBotUser)
                         .str("bot_id", emu::kBotId)
                         .boolean("tls", settings.tls.enabled)
                         .uint("port", port)
                         .finish());
    }
    if (op == "mention") {
      return respond(pushed(push_user_message(require(p, "user"), require(p, "channel"), require(p, "text"),
                                              get(p, "thread_ts"), true)));
    }
    if (op == "dm") {
      auto user = require(p, "user");
      auto channel = ws.open_dm(ws.require_user(user).profile.id).id;
      return respond(
          pushed(push_user_message(user, channel, require(p, "text"), get(p, "thread_ts"), false)));
    }
    if (op == "message") {
      if (auto bot = get(p, "bot_id"); !bot.empty()) {
        return respond(pushed(
            push_bot_message(bot, require(p, "channel"), require(p, "text"), get_bool(p, "classic", false))));
      }
      return respond(pushed(push_user_message(require(p, "user"), require(p, "channel"), require(p, "text"),
                                              get(p, "thread_ts"), false)));
    }
    if (op == "edit")
      return respond(pushed(push_edit(require(p, "channel"), require(p, "ts"), require(p, "text"))));
    if (op == "slash") {
      return respond(pushed(push_slash(require(p, "user"), require(p, "channel"), get(p, "text"),
                                       get(p, "command", "/tugboat"))));
    }
    if (op == "click") {
      std::optional<std::string> value;
      if (p.contains("value")) value = get(p, "value");
      return respond(pushed(push_click(require(p, "user"), require(p, "channel"), require(p, "message_ts"),
                                       require(p, "action_id"), value)));
    }
    if (op == "event") {
      auto payload = require(p, "payload");
      push_result r;
      r.envelope_id = hub->push(emu::envelope_kind::events_api, payload, {});
      return respond(pushed(r));
    }
    if (op == "users") {
      user_profile u;
      u.id = get(p, "id");
      u.name = require(p, "name");
      u.real_name = get(p, "real_name", u.name);
      u.email = get(p, "email");
      u.tz = get(p, "tz", "UTC");
      u.tz_label = get(p, "tz_label", u.tz);
      u.tz_offset = static_cast<int>(get_int(p, "tz_offset", 0));
      u.deleted = get_bool(p, "deleted", false);
      return respond(json_out().str("id", ws.add_user(std::move(u))).finish());
    }
    if (op == "messages") return respond(messages_json(messages_filter(), true, {}));
    if (op == "wait") {
      auto timeout = std::chrono::milliseconds(get_int(p, "timeout_ms", 5000));
      auto connections =
          static_cast<std::size_t>(get_int(p, "connections", -1) < 0 ? 0 : get_int(p, "connections", 0));
      auto count =
          static_cast<std::size_t>(std::max<long long>(0, get_int(p, "count", connections > 0 ? 0 : 1)));
      add_waiter({[this, messages_filter, messages_json, count,
                   connections](bool timed_out) -> std::optional<http_response> {
                    auto list = messages_filter();
                    bool done = list.size() >= count && hub->open_count() >= connections;
                    if (done) return messages_json(list, true, {});
                    if (timed_out) return messages_json(list, false, "timeout");
                    return std::nullopt;
                  },
                  std::move(respond), std::chrono::steady_clock::now() + timeout});
      return;
    }
    if (op == "stats") {
      emulator_stats s;
      hub->fill_stats(s);
      json_out o;
      o.uint("connections_opened", s.connections_opened)
          .uint("connections_open", s.connections_open)
          .uint("hellos", s.hellos)
          .uint("envelopes_sent", s.envelopes_sent)
          .uint("envelopes_acked", s.envelopes_acked)
          .uint("envelopes_redelivered", s.envelopes_redelivered)
          .uint("envelopes_unacked", s.envelopes_unacked)
          .uint("envelopes_given_up", s.envelopes_given_up)
          .uint("envelopes_queued", s.envelopes_queued)
          .uint("acks_unknown", s.acks_unknown)
          .uint("frames_malformed_in", s.frames_malformed_in)
          .uint("tickets_rejected", s.tickets_rejected)
          .uint("responses_429", responses_429);
      write_latency(o, "ack_latency", s.ack_latency_us);
      o.w.Key("api_calls");
      o.w.StartObject();
      for (const auto& [method, n] : api_calls) o.uint(method.c_str(), n);
      o.w.EndObject();
      return respond(o.finish());
    }
    if (op == "fault") return respond(control_fault(p));
    if (op == "flood") {
      if (req.verb == "GET") return respond(flood_json(hub->flood_status(), get_bool(p, "samples", false)));
      flood_options f;
      f.count = static_cast<std::size_t>(get_int(p, "count", 1000));
      f.per_second = static_cast<double>(get_int(p, "per_second", 0));
      f.payload_bytes = static_cast<std::size_t>(get_int(p, "payload_bytes", 1500));
      f.channel = get(p, "channel", "C0002");
      f.user = get(p, "user", "U0ALICE");
      f.max_unacked = static_cast<std::size_t>(std::max<long long>(0, get_int(p, "max_unacked", 0)));
      hub->flood(f);
      if (!get_bool(p, "wait", false)) return respond(json_out().boolean("started", true).finish());
      bool samples = get_bool(p, "samples", false);
      add_waiter(
          {[this, samples](bool timed_out) -> std::optional<http_response> {
             auto r = hub->flood_status();
             if (r.finished || timed_out) return flood_json(r, samples);
             return std::nullopt;
           },
           std::move(respond),
           std::chrono::steady_clock::now() + std::chrono::milliseconds(get_int(p, "timeout_ms", 120000))});
      return;
    }
    if (op == "config") {
      if (p.contains("rate_limits")) {
        rate_limits_on = get_bool(p, "rate_limits", true);
        limiter.reset();
      }
      if (p.contains("ack_timeout_ms"))
        hub->set_ack_timeout(std::chrono::milliseconds(get_int(p, "ack_timeout_ms", 3000)));
      if (auto scopes = get(p, "scopes"); p.contains("scopes")) {
        settings.bot_scopes.clear();
        rapidjson::Document d;
        d.Parse(scopes.c_str());
        if (d.IsArray()) {
          for (const auto& s : d.GetArray()) {
            if (s.IsString()) settings.bot_scopes.emplace_back(s.GetString());
          }
        } else {
          for (std::size_t pos = 0; pos < scopes.size();) {
            auto comma = scopes.find(',', pos);
            if (comma == std::string::npos) comma = scopes.size();
            if (comma > pos) settings.bot_scopes.push_back(scopes.substr(pos, comma - pos));
            pos = comma + 1;
          }
        }
      }
      return respond(json_out().boolean("rate_limits", rate_limits_on).finish());
    }
    if (op == "reset") {
      ws.clear_messages();
      hub->reset_stats();
      faults.clear();
      limiter.reset();
      api_calls.clear();
      responses_429 = 0;
      response_urls.clear();
      return respond(json_out().finish());
    }
    return respond(bad("unknown_endpoint"));
  } catch (const std::invalid_argument& e) {
    return respond(bad(e.what()));
  }
}

http_response emulator::impl::control_fault(const params& p) {
  auto kind = require(p, "kind");
  int connection = static_cast<int>(get_int(p, "connection", -1));
  if (kind == "drop") {
    hub->drop_all();
  } else if (kind == "disconnect") {
    auto reason = parse_disconnect_reason(get(p, "reason", "refresh_requested"));
    if (!reason) throw std::invalid_argument("unknown disconnect reason");
    hub->disconnect(*reason, connection);
  } else if (kind == "malformed") {
    hub->send_raw(std::max(connection, 0), R"({"envelope_id":"broken","payload":{"type":)", false);
  } else if (kind == "binary") {
    hub->send_raw(std::max(connection, 0), std::string("\x00\x01\x02binary\xff", 10), true);
  } else if (kind == "duplicate") {
    if (!hub->duplicate(require(p, "envelope_id")))
      throw std::invalid_argument("no such outstanding envelope");
  } else if (kind == "blackhole") {
    hub->blackhole(std::max(connection, 0));
  } else if (kind == "clear") {
    faults.clear();
  } else {
    method_fault f;
    f.method = require(p, "method");
    f.count = static_cast<int>(get_int(p, "count", 1));
    if (kind == "ratelimited") {
      f.what = method_fault::kind::ratelimited;
      f.retry_after_s = static_cast<int>(get_int(p, "retry_after", 1));
    } else if (kind == "http_status") {
      f.what = method_fault::kind::http_status;
      f.http_status = static_cast<int>(get_int(p, "status", 500));
    } else if (kind == "error") {
      f.what = method_fault::kind::error;
      f.error = get(p, "error", "internal_error");
    } else if (kind == "delay") {
      f.what = method_fault::kind::delay;
      f.delay = std::chrono::milliseconds(get_int(p, "delay_ms", 1000));
    } else {
      throw std::invalid_argument("unknown fault kind");
    }
    faults.push_back(std::move(f));
  }
  return json_out().finish();
}

}  // namespace tugboat::slack
