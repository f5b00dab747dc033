#include "slack/wire_scan.hpp"

#include <fmt/format.h>
#include <rapidjson/reader.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tugboat::slack::detail {
namespace {

namespace rj = rapidjson;

// Where a value sits: only these three objects hold fields we read.
enum class place : std::uint8_t { root, payload, event, other };

// The fields we read; `none` for every other key.
enum class field : std::uint8_t {
  none,
  // root
  type, envelope_id, retry_attempt, retry_reason, accepts_response_payload, payload,
  // payload
  event_id, token, event,
  // payload.event
  ev_type, channel, channel_type, user, bot_id, subtype, text, ts, thread_ts,
  count
};

field classify(place where, std::string_view key) {
  switch (where) {
    case place::root:
      if (key == "type") return field::type;
      if (key == "envelope_id") return field::envelope_id;
      if (key == "retry_attempt") return field::retry_attempt;
      if (key == "retry_reason") return field::retry_reason;
      if (key == "accepts_response_payload") return field::accepts_response_payload;
      if (key == "payload") return field::payload;
      return field::none;
    case place::payload:
      if (key == "event_id") return field::event_id;
      if (key == "token") return field::token;
      if (key == "event") return field::event;
      return field::none;
    case place::event:
      if (key == "type") return field::ev_type;
      if (key == "channel") return field::channel;
      if (key == "channel_type") return field::channel_type;
      if (key == "user") return field::user;
      if (key == "bot_id") return field::bot_id;
      if (key == "subtype") return field::subtype;
      if (key == "text") return field::text;
      if (key == "ts") return field::ts;
      if (key == "thread_ts") return field::thread_ts;
      return field::none;
    case place::other: break;
  }
  return field::none;
}

// The SAX handler. Like the DOM decoder's FindMember, the first occurrence of a key wins.
struct scanner : rj::BaseReaderHandler<rj::UTF8<>, scanner> {
  scanner(const rj::MemoryStream& s, std::string_view t) : stream(s), text(t) {}

  const rj::MemoryStream& stream;  // read live: MemoryStream is not copied into the reader
  std::string_view text;
  struct level {
    place where;
    field key = field::none;  // the key whose value comes next (objects only)
  };
  std::vector<level> stack;
  std::uint32_t seen = 0;  // bit per field
  std::string strings[static_cast<int>(field::count)];
  long long retry_attempt = 0;
  bool accepts = false;
  bool payload_is_object = false;
  std::size_t payload_begin = 0, payload_end = 0;
  std::size_t token_begin = 0, token_end = 0;  // the "token":"…" member, key to end of value
  bool token_plain = true;                     // a string value under a key written without escapes
  bool event_is_object = false;
  bool root_is_object = false;

  std::size_t at() const { return stream.Tell(); }

  // The field a scalar just read belongs to, marking it seen; none if it is not one of ours or repeated.
  field take() {
    if (stack.empty()) return field::none;
    auto& top = stack.back();
    if (top.where == place::other) return field::none;
    const auto f = top.key;
    top.key = field::none;
    if (f == field::none) return f;
    const auto bit = 1u << static_cast<int>(f);
    if (seen & bit) return field::none;
    seen |= bit;
    return f;
  }

  bool Null() { return take(), true; }
  bool Bool(bool b) {
    if (take() == field::accepts_response_payload) accepts = b;
    return true;
  }
  bool number(long long v, bool fits) {
    if (take() == field::retry_attempt && fits) retry_attempt = v;
    return true;
  }
  bool Int(int v) { return number(v, true); }
  bool Uint(unsigned v) { return number(v, true); }
  bool Int64(std::int64_t v) { return number(v, true); }
  bool Uint64(std::uint64_t v) { return number(static_cast<long long>(v), v <= INT64_MAX); }
  bool Double(double) { return take(), true; }
  bool String(const char* s, rj::SizeType n, bool) {
    const auto f = take();
    if (f == field::none) return true;
    if (f == field::token) {
      token_end = at();
    } else if (f == field::type || f == field::envelope_id || f == field::retry_reason || f == field::event_id ||
               f >= field::ev_type) {
      strings[static_cast<int>(f)].assign(s, n);
    }
    return true;
  }
  bool Key(const char* s, rj::SizeType n, bool) {
    auto& top = stack.back();
    top.key = classify(top.where, {s, n});
    if (top.key == field::token && !(seen & (1u << static_cast<int>(field::token)))) {
      // The key is "token" exactly as written (7 characters with its quotes) or we let the DOM decide.
      const auto end = at();
      token_plain = end >= 7 && text.substr(end - 7, 7) == "\"token\"";
      token_begin = end - 7;
    }
    return true;
  }
  bool start(bool object) {
    place where = place::other;
    if (stack.empty()) {
      where = object ? place::root : place::other;
      root_is_object = object;
    } else {
      const auto f = take();
      if (object && f == field::payload) {
        where = place::payload;
        payload_is_object = true;
        payload_begin = at() - 1;
      } else if (object && f == field::event) {
        where = place::event;
        event_is_object = true;
      }
    }
    stack.push_back({where});
    return true;
  }
  bool StartObject() { return start(true); }
  bool StartArray() { return start(false); }
  bool end() {
    if (stack.back().where == place::payload) payload_end = at();
    stack.pop_back();
    return true;
  }
  bool EndObject(rj::SizeType) { return end(); }
  bool EndArray(rj::SizeType) { return end(); }

  bool has(field f) const { return seen & (1u << static_cast<int>(f)); }
  std::string& str(field f) { return strings[static_cast<int>(f)]; }
};

// The payload's text without its "token" member (and the comma that joined it to a neighbour).
std::string payload_without_token(std::string_view text, const scanner& s) {
  const auto payload = text.substr(s.payload_begin, s.payload_end - s.payload_begin);
  if (!s.has(field::token)) return std::string(payload);
  auto begin = s.token_begin - s.payload_begin;
  auto end = s.token_end - s.payload_begin;
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  auto after = end;
  while (after < payload.size() && is_space(payload[after])) ++after;
  if (after < payload.size() && payload[after] == ',') {
    end = after + 1;  // "token":"…", next
  } else {
    auto before = begin;
    while (before > 0 && is_space(payload[before - 1])) --before;
    if (before > 0 && payload[before - 1] == ',') begin = before - 1;  // previous, "token":"…"
  }
  std::string out;
  out.reserve(payload.size() - (end - begin));
  out.append(payload.substr(0, begin));
  out.append(payload.substr(end));
  return out;
}

}  // namespace

std::optional<frame> scan_envelope(std::string_view text) {
  thread_local rj::Reader reader;
  rj::MemoryStream stream(text.data(), text.size());
  scanner s(stream, text);
  s.stack.reserve(16);
  // Errors and trailing bytes: the DOM decoder reports them in its words.
  if (reader.Parse(stream, s).IsError() || !s.stack.empty() || stream.Tell() != text.size() ||
      !s.root_is_object) {
    return std::nullopt;
  }
  const auto& type = s.str(field::type);
  if (type == "hello" || type == "disconnect") return std::nullopt;
  envelope e;
  e.envelope_id = std::move(s.str(field::envelope_id));
  if (e.envelope_id.empty()) return malformed_frame{fmt::format("frame of type '{}' has no envelope_id", type), {}};
  e.type = type;
  e.kind = envelope_kind_from(type);
  e.retry_attempt = static_cast<int>(s.retry_attempt);
  e.retry_reason = std::move(s.str(field::retry_reason));
  e.accepts_response_payload = s.accepts;
  if (!s.payload_is_object) return malformed_frame{"envelope has no payload object", e.envelope_id};
  if (s.has(field::token) && (!s.token_plain || s.token_end <= s.token_begin)) return std::nullopt;
  if (e.kind == envelope_kind::events_api) {
    e.event_id = std::move(s.str(field::event_id));
    if (e.event_id.empty()) return malformed_frame{"events_api envelope without payload.event_id", e.envelope_id};
    if (s.event_is_object) {
      auto& ev_type = s.str(field::ev_type);
      if (ev_type == "app_mention" || ev_type == "message") {
        message_event m;
        m.mention = ev_type == "app_mention";
        m.channel = channel_id(s.str(field::channel));
        m.channel_type = std::move(s.str(field::channel_type));
        m.user = user_id(s.str(field::user));
        m.bot_id = std::move(s.str(field::bot_id));
        m.subtype = std::move(s.str(field::subtype));
        m.text = std::move(s.str(field::text));
        m.ts = message_ts(s.str(field::ts));
        m.thread_ts = message_ts(s.str(field::thread_ts));
        e.content = std::move(m);
      } else {
        e.content = other_payload{fmt::format("event {}", ev_type)};
      }
    }
  }
  e.payload = payload_without_token(text, s);
  return e;
}

}  // namespace tugboat::slack::detail
