#pragma once
// Slack's JSON shapes for messages and users as the emulator answers them, built from the plain model
// so RapidJSON stays inside .cpp files. Pure functions, any thread; nothing throws except bad_alloc.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "slack/emulator/emulator.hpp"
#include "slack/emulator/model.hpp"

namespace tugboat::slack::emu {

struct message_shape_options {
  std::size_t reply_count = 0;    // > 0 on a thread parent
  std::string latest_reply;       // ts of the newest reply
  bool include_metadata = false;  // conversations.* only with include_all_metadata
  std::string app_id;
};

std::string message_json(const emulated_message& m, const message_shape_options& options);
std::string user_json(const user_record& u);

// The buttons of a Block Kit array (actions blocks and section accessories); [] on anything else.
std::vector<emulated_button> buttons_from_blocks(std::string_view blocks_json);
// Slack gives every block without a block_id one of its own; `counter` makes them unique.
std::string with_block_ids(std::string_view blocks_json, std::uint64_t& counter);
// True when `blocks_json` is a JSON array of objects that each have a string "type".
bool valid_blocks(std::string_view blocks_json);
// True when `text` parses as a JSON object.
bool is_json_object(std::string_view text);
// `s` as a JSON string literal, quotes included.
std::string json_quote(std::string_view s);

}  // namespace tugboat::slack::emu
