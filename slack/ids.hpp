#pragma once
// Strong identifiers for Slack objects. Each is a distinct type with no implicit conversion from or to
// strings, so a channel can never be passed where a user is expected. Formattable with fmt.
#include <fmt/format.h>

#include <compare>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace tugboat::slack {

template <typename Tag>
class basic_id {
 public:
  basic_id() = default;
  explicit basic_id(std::string value) : value_(std::move(value)) {}
  explicit basic_id(std::string_view value) : value_(value) {}
  explicit basic_id(const char* value) : value_(value) {}

  const std::string& str() const { return value_; }
  bool empty() const { return value_.empty(); }
  friend auto operator<=>(const basic_id&, const basic_id&) = default;

 private:
  std::string value_;
};

using user_id = basic_id<struct user_id_tag>;        // U…, W…
using channel_id = basic_id<struct channel_id_tag>;  // C…, G…, D…
using team_id = basic_id<struct team_id_tag>;        // T…
using bot_id = basic_id<struct bot_id_tag>;          // B…
using message_ts = basic_id<struct message_ts_tag>;  // "1700000000.000100": a message's id within its channel

// True for text shaped like a Slack user ID: U or W, then uppercase letters and digits ("U024BE7LH").
inline bool looks_like_user_id(std::string_view s) {
  if (s.size() < 2 || (s.front() != 'U' && s.front() != 'W')) return false;
  for (char c : s.substr(1))
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

}  // namespace tugboat::slack

template <typename Tag>
struct fmt::formatter<tugboat::slack::basic_id<Tag>> : fmt::formatter<std::string_view> {
  auto format(const tugboat::slack::basic_id<Tag>& id, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(id.str(), ctx);
  }
};

template <typename Tag>
struct std::hash<tugboat::slack::basic_id<Tag>> {
  std::size_t operator()(const tugboat::slack::basic_id<Tag>& id) const noexcept {
    return std::hash<std::string>{}(id.str());
  }
};
