#include "slack/wire_scan.hpp"

#include <fmt/format.h>
#include <rapidjson/reader.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>

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

// What one pass over an envelope found. Like the DOM decoder's FindMember, the first occurrence of a key wins.
struct found {
  std::uint32_t seen = 0;  // bit per field
  std::string strings[static_cast<int>(field::count)];
  long long retry_attempt = 0;
  bool accepts = false;
  bool root_is_object = false;
  bool payload_is_object = false;
  std::size_t payload_begin = 0, payload_end = 0;
  std::size_t token_begin = 0, token_end = 0;  // the "token":"…" member, key to end of value
  bool event_is_object = false;

  bool has(field f) const { return seen & (1u << static_cast<int>(f)); }
  std::string& str(field f) { return strings[static_cast<int>(f)]; }
};

bool decoded_as_string(field f) {
  return f == field::type || f == field::envelope_id || f == field::retry_reason || f == field::event_id ||
         f >= field::ev_type;
}

// A strict JSON reader (RFC 8259) for one envelope: it records where the payload and its token are and
// decodes only the strings routing reads, skipping the rest eight bytes at a time. It gives up (false)
// on everything it does not vouch for — any error, escapes in the keys of the objects we read, surrogate
// escapes, exponents, long numbers, nesting past 64 — and the RapidJSON DOM decoder then decides, with its
// own error messages; so it never accepts a frame RapidJSON would refuse.
class skimmer {
 public:
  skimmer(std::string_view text, found& out) : t_(text), out_(out) {}

  bool run() {
    skip_space();
    if (!at('{')) return false;
    out_.root_is_object = true;
    if (!object(place::root, 1)) return false;
    skip_space();
    return i_ == t_.size();
  }

 private:
  static constexpr int kMaxDepth = 64;

  bool at(char c) const { return i_ < t_.size() && t_[i_] == c; }
  bool digit() const { return i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9'; }
  void skip_space() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\n' || t_[i_] == '\r' || t_[i_] == '\t')) ++i_;
  }

  // Past the bytes that are neither a quote, a backslash nor a control character: sixteen at a time with
  // SSE2 (every x86-64 has it), eight at a time otherwise. Never reads past the text.
  void skip_plain() {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i control = _mm_set1_epi8(0x1f);
    while (i_ + 16 <= t_.size()) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t_.data() + i_));
      const __m128i below_space = _mm_cmpeq_epi8(_mm_max_epu8(v, control), control);  // v <= 0x1f
      const int hits = _mm_movemask_epi8(
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), below_space));
      if (hits != 0) {
        i_ += static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(hits)));
        return;
      }
      i_ += 16;
    }
#endif
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t highs = 0x8080808080808080ULL;
    auto has_zero = [](std::uint64_t v) { return ((v - ones) & ~v & highs) != 0; };
    while (i_ + 8 <= t_.size()) {
      std::uint64_t w;
      std::memcpy(&w, t_.data() + i_, sizeof w);
      const bool special = has_zero(w ^ (ones * '"')) || has_zero(w ^ (ones * '\\')) ||
                           ((w - ones * 0x20) & ~w & highs) != 0;  // a byte below 0x20
      if (special) return;
      i_ += 8;
    }
  }

  // The string whose opening quote is at i_; afterwards i_ is past its closing quote.
  bool string(bool& escaped) {
    ++i_;
    escaped = false;
    for (;;) {
      skip_plain();
      if (i_ >= t_.size()) return false;
      const auto c = static_cast<unsigned char>(t_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return false;
      if (c != '\\') {
        ++i_;
        continue;
      }
      escaped = true;
      if (i_ + 1 >= t_.size()) return false;
      const char e = t_[i_ + 1];
      if (e == 'u') {
        if (i_ + 6 > t_.size()) return false;
        for (std::size_t k = 2; k < 6; ++k) {
          if (!std::isxdigit(static_cast<unsigned char>(t_[i_ + k]))) return false;
        }
        const char h = static_cast<char>(std::tolower(static_cast<unsigned char>(t_[i_ + 2])));
        const char h2 = static_cast<char>(std::tolower(static_cast<unsigned char>(t_[i_ + 3])));
        if (h == 'd' && h2 >= '8') return false;  // a surrogate: RapidJSON's rules decide
        i_ += 6;
      } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
        i_ += 2;
      } else {
        return false;
      }
    }
  }

  // An integer or a short decimal fraction; `value` set for integers that fit.
  bool number(std::optional<long long>& value) {
    const std::size_t begin = i_;
    if (at('-')) ++i_;
    if (at('0')) {
      ++i_;
    } else if (digit()) {
      while (digit()) ++i_;
    } else {
      return false;
    }
    bool integral = true;
    if (at('.')) {
      ++i_;
      if (!digit()) return false;
      while (digit()) ++i_;
      integral = false;
    }
    if (at('e') || at('E') || i_ - begin > 18) return false;  // RapidJSON refuses some (1e400): it decides
    if (integral) {
      long long v = 0;
      std::from_chars(t_.data() + begin, t_.data() + i_, v);
      value = v;
    }
    return true;
  }

  bool literal(std::string_view word) {
    if (t_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  // The value at i_, for field `f` of ours (none for all others).
  bool value(field f, int depth) {
    if (i_ >= t_.size()) return false;
    switch (t_[i_]) {
      case '{': {
        const place p = f == field::payload ? place::payload : f == field::event ? place::event : place::other;
        if (p == place::payload) {
          out_.payload_is_object = true;
          out_.payload_begin = i_;
        }
        if (p == place::event) out_.event_is_object = true;
        if (!object(p, depth + 1)) return false;
        if (p == place::payload) out_.payload_end = i_;
        return true;
      }
      case '[':
        return array(depth + 1);
      case '"': {
        const std::size_t open = i_;
        bool escaped = false;
        if (!string(escaped)) return false;
        if (f == field::token) out_.token_end = i_;
        if (!decoded_as_string(f)) return true;
        if (!escaped) {
          out_.str(f).assign(t_.substr(open + 1, i_ - open - 2));
          return true;
        }
        return unescape(t_.substr(open, i_ - open), out_.str(f));
      }
      case 't':
        if (f == field::accepts_response_payload) out_.accepts = true;
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default: {
        std::optional<long long> v;
        if (!number(v)) return false;
        if (f == field::retry_attempt && v) out_.retry_attempt = *v;
        return true;
      }
    }
  }

  bool object(place where, int depth) {
    if (depth > kMaxDepth) return false;
    ++i_;
    skip_space();
    if (at('}')) {
      ++i_;
      return true;
    }
    for (;;) {
      if (!at('"')) return false;
      const std::size_t open = i_;
      bool escaped = false;
      if (!string(escaped)) return false;
      field f = field::none;
      if (where != place::other) {
        if (escaped) return false;
        f = classify(where, t_.substr(open + 1, i_ - open - 2));
        const auto bit = 1u << static_cast<int>(f);
        if (f != field::none && (out_.seen & bit)) {
          f = field::none;
        } else if (f != field::none) {
          out_.seen |= bit;
          if (f == field::token) out_.token_begin = open;
        }
      }
      skip_space();
      if (!at(':')) return false;
      ++i_;
      skip_space();
      if (!value(f, depth)) return false;
      skip_space();
      if (at(',')) {
        ++i_;
        skip_space();
        continue;
      }
      if (!at('}')) return false;
      ++i_;
      return true;
    }
  }

  bool array(int depth) {
    if (depth > kMaxDepth) return false;
    ++i_;
    skip_space();
    if (at(']')) {
      ++i_;
      return true;
    }
    for (;;) {
      if (!value(field::none, depth)) return false;
      skip_space();
      if (at(',')) {
        ++i_;
        skip_space();
        continue;
      }
      if (!at(']')) return false;
      ++i_;
      return true;
    }
  }

  // A string with escapes, decoded by RapidJSON (the quoted text is a JSON document of its own).
  static bool unescape(std::string_view quoted, std::string& out) {
    struct handler : rj::BaseReaderHandler<rj::UTF8<>, handler> {
      std::string* out = nullptr;
      bool String(const char* s, rj::SizeType n, bool) {
        out->assign(s, n);
        return true;
      }
    } h;
    h.out = &out;
    rj::Reader reader;
    rj::MemoryStream stream(quoted.data(), quoted.size());
    return !reader.Parse(stream, h).IsError();
  }

  std::string_view t_;
  found& out_;
  std::size_t i_ = 0;
};

// The payload's text without its "token" member (and the comma that joined it to a neighbour).
std::string payload_without_token(std::string_view text, const found& s) {
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
  found s;
  // Errors and shapes the skimmer leaves alone: the DOM decoder reports them in its words.
  if (!skimmer(text, s).run()) return std::nullopt;
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
  if (s.has(field::token) && s.token_end <= s.token_begin) return std::nullopt;  // a token that is not a string
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
