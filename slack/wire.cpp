#include "slack/wire.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "slack/wire_scan.hpp"

namespace tugboat::slack {
namespace {

namespace rj = rapidjson;

std::string_view str(const rj::Value& obj, const char* name) {
  if (!obj.IsObject()) return {};
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

const rj::Value* member(const rj::Value& obj, const char* name) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

long long integer(const rj::Value& obj, const char* name) {
  const auto* v = member(obj, name);
  return v && v->IsInt64() ? v->GetInt64() : 0;
}

bool boolean(const rj::Value& obj, const char* name) {
  const auto* v = member(obj, name);
  return v && v->IsBool() && v->GetBool();
}

std::string compact(const rj::Value& v) {
  rj::StringBuffer buf;
  rj::Writer<rj::StringBuffer> writer(buf);
  v.Accept(writer);
  return {buf.GetString(), buf.GetSize()};
}

std::string parse_error(const rj::Document& doc) {
  return fmt::format("not JSON ({} at offset {})", rj::GetParseError_En(doc.GetParseError()), doc.GetErrorOffset());
}

}  // namespace

std::string_view to_string(envelope_kind k) {
  switch (k) {
    case envelope_kind::events_api: return "events_api";
    case envelope_kind::slash_commands: return "slash_commands";
    case envelope_kind::interactive: return "interactive";
    case envelope_kind::other: break;
  }
  return "other";
}

envelope_kind envelope_kind_from(std::string_view type) {
  if (type == "events_api") return envelope_kind::events_api;
  if (type == "slash_commands") return envelope_kind::slash_commands;
  if (type == "interactive") return envelope_kind::interactive;
  return envelope_kind::other;
}

frame decode_frame(std::string_view text) {
  // Envelopes, nearly every frame, take the one-pass scan; the rest (and odd shapes) the DOM.
  if (auto scanned = detail::scan_envelope(text)) return std::move(*scanned);
  return detail::decode_frame_general(text);
}

frame detail::decode_frame_general(std::string_view text) {
  rj::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) return malformed_frame{parse_error(doc), {}};
  if (!doc.IsObject()) return malformed_frame{"frame is not a JSON object", {}};

  const auto type = str(doc, "type");
  if (type == "hello") {
    hello_frame h;
    h.num_connections = static_cast<int>(integer(doc, "num_connections"));
    if (const auto* debug = member(doc, "debug_info")) {
      h.approximate_connection_time = integer(*debug, "approximate_connection_time");
      h.host = str(*debug, "host");
    }
    if (const auto* info = member(doc, "connection_info")) h.app_id = str(*info, "app_id");
    return h;
  }
  if (type == "disconnect") return disconnect_frame{std::string(str(doc, "reason"))};

  envelope e;
  e.envelope_id = str(doc, "envelope_id");
  if (e.envelope_id.empty()) {
    return malformed_frame{fmt::format("frame of type '{}' has no envelope_id", type), {}};
  }
  e.type = type;
  e.kind = envelope_kind_from(type);
  e.retry_attempt = static_cast<int>(integer(doc, "retry_attempt"));
  e.retry_reason = str(doc, "retry_reason");
  e.accepts_response_payload = boolean(doc, "accepts_response_payload");
  auto it = doc.FindMember("payload");
  if (it == doc.MemberEnd() || !it->value.IsObject()) {
    return malformed_frame{"envelope has no payload object", e.envelope_id};
  }
  auto& body = it->value;
  // EraseMember keeps the members' order (RemoveMember moves the last one into the gap, which would make a
  // repeated key's later copy the "first" and disagree with the one-pass scan).
  if (auto token = body.FindMember("token"); token != body.MemberEnd()) body.EraseMember(token);
  if (e.kind == envelope_kind::events_api) {
    e.event_id = str(body, "event_id");
    if (e.event_id.empty()) return malformed_frame{"events_api envelope without payload.event_id", e.envelope_id};
  }
  e.payload = compact(body);
  return e;
}

std::string encode_ack(std::string_view envelope_id, std::string_view payload_json) {
  rj::StringBuffer buf;
  rj::Writer<rj::StringBuffer> w(buf);
  w.StartObject();
  w.Key("envelope_id");
  w.String(envelope_id.data(), static_cast<rj::SizeType>(envelope_id.size()));
  w.EndObject();
  std::string out(buf.GetString(), buf.GetSize());
  if (!payload_json.empty()) {
    out.pop_back();  // splice the caller's (already valid) JSON object in as "payload"
    out += ",\"payload\":";
    out += payload_json;
    out += '}';
  }
  return out;
}

namespace {

message_event decode_message(const rj::Value& ev) {
  message_event m;
  m.mention = str(ev, "type") == "app_mention";
  m.channel = channel_id(str(ev, "channel"));
  m.channel_type = str(ev, "channel_type");
  m.user = user_id(str(ev, "user"));
  m.bot_id = str(ev, "bot_id");
  m.subtype = str(ev, "subtype");
  m.text = str(ev, "text");
  m.ts = message_ts(str(ev, "ts"));
  m.thread_ts = message_ts(str(ev, "thread_ts"));
  return m;
}

payload decode_event_callback(const rj::Value& p) {
  const auto* ev = member(p, "event");
  if (!ev || !ev->IsObject()) throw decode_error("events_api payload has no event object");
  const auto type = str(*ev, "type");
  if (type == "app_mention" || type == "message") return decode_message(*ev);
  return other_payload{fmt::format("event {}", type)};
}

payload decode_interactive(const rj::Value& p) {
  const auto type = str(p, "type");
  if (type != "block_actions") return other_payload{fmt::format("interactive {}", type)};
  block_action a;
  if (const auto* user = member(p, "user")) a.user = user_id(str(*user, "id"));
  if (const auto* channel = member(p, "channel")) a.channel = channel_id(str(*channel, "id"));
  if (const auto* container = member(p, "container")) {
    a.message = message_ts(str(*container, "message_ts"));
    if (a.channel.empty()) a.channel = channel_id(str(*container, "channel_id"));
  }
  if (const auto* message = member(p, "message")) {
    a.thread_ts = message_ts(str(*message, "thread_ts"));
    if (a.message.empty()) a.message = message_ts(str(*message, "ts"));
  }
  a.response_url = str(p, "response_url");
  const auto* actions = member(p, "actions");
  if (!actions || !actions->IsArray() || actions->Empty()) throw decode_error("block_actions payload has no actions");
  const auto& first = (*actions)[0];
  a.action_id = str(first, "action_id");
  a.block_id = str(first, "block_id");
  a.value = str(first, "value");
  return a;
}

}  // namespace

payload decode_payload(envelope_kind kind, std::string_view payload_json) {
  rj::Document doc;
  doc.Parse(payload_json.data(), payload_json.size());
  if (doc.HasParseError()) throw decode_error(fmt::format("payload is {}", parse_error(doc)));
  if (!doc.IsObject()) throw decode_error("payload is not a JSON object");
  switch (kind) {
    case envelope_kind::events_api: return decode_event_callback(doc);
    case envelope_kind::slash_commands:
      return slash_command{std::string(str(doc, "command")),      std::string(str(doc, "text")),
                           user_id(str(doc, "user_id")),          channel_id(str(doc, "channel_id")),
                           std::string(str(doc, "response_url")), std::string(str(doc, "trigger_id"))};
    case envelope_kind::interactive: return decode_interactive(doc);
    case envelope_kind::other: break;
  }
  return other_payload{"unknown envelope type"};
}

}  // namespace tugboat::slack
