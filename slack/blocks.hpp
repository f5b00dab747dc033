#pragma once
// Block Kit as plain structs, and the message the bot sends (`outgoing_message`). The rest of the code
// builds these; blocks.cpp turns them into Slack's JSON (RapidJSON stays in the .cpp).
//
// Slack's size limits are respected at encoding time by truncating with an ellipsis ("…") rather than
// failing the post: section/context text 3,000 characters, header 150, button text 75, button value
// 2,000, action_id 255, fallback text 40,000, at most 10 context elements, 25 buttons per actions
// block and 50 blocks per message (the 50th becomes a context line saying how many were left out).
// Limits count Unicode code points; truncation never splits a UTF-8 sequence.
//
// Pure functions, any thread; encoding throws only std::bad_alloc.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "slack/ids.hpp"

namespace tugboat::slack {

enum class button_style { plain, primary, danger };

struct button {
  std::string text;  // plain text label
  std::string action_id;
  std::string value;
  button_style style = button_style::plain;
};

struct section_block {
  std::string text;  // mrkdwn
  std::optional<button> accessory;
  std::string block_id;  // optional
};
struct context_block {
  std::vector<std::string> elements;  // mrkdwn texts
  std::string block_id;
};
struct divider_block {
  std::string block_id;
};
struct actions_block {
  std::vector<button> elements;
  std::string block_id;
};
struct header_block {
  std::string text;  // plain text
  std::string block_id;
};

using block = std::variant<section_block, context_block, divider_block, actions_block, header_block>;

// Slack message metadata (`event_type` + `event_payload`). The outbox puts its idempotency key here
// so a possibly-delivered post can be found again with conversations.replies.
struct message_metadata {
  std::string event_type;
  std::vector<std::pair<std::string, std::string>> payload;  // string values only
};

struct outgoing_message {
  channel_id channel;
  std::string text;  // fallback text (notifications, clients without blocks); also the body when no blocks
  std::vector<block> blocks;
  std::string blocks_json;  // already-encoded blocks (the outbox keeps them so), used when `blocks` is empty
  message_ts thread_ts;  // empty = not in a thread
  bool reply_broadcast = false;
  std::optional<message_metadata> metadata;
};

namespace limits {
inline constexpr std::size_t kMaxBlocks = 50;
inline constexpr std::size_t kSectionText = 3000;
inline constexpr std::size_t kContextText = 3000;
inline constexpr std::size_t kContextElements = 10;
inline constexpr std::size_t kHeaderText = 150;
inline constexpr std::size_t kButtonText = 75;
inline constexpr std::size_t kButtonValue = 2000;
inline constexpr std::size_t kActionId = 255;
inline constexpr std::size_t kActionsElements = 25;
inline constexpr std::size_t kMessageText = 40000;
}  // namespace limits

// `s` cut to at most `max_chars` code points, the last one an ellipsis when anything was cut.
std::string truncate_text(std::string_view s, std::size_t max_chars);

// The `blocks` array as JSON ("[]" for none).
std::string blocks_json(const std::vector<block>& blocks);
// The `metadata` object as JSON.
std::string metadata_json(const message_metadata& metadata);
// The whole message as a chat.postMessage JSON body (channel omitted when empty — handy for a slash
// command's ack payload).
std::string message_json(const outgoing_message& message);

}  // namespace tugboat::slack
