#include "slack/blocks.hpp"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "core/text.hpp"

namespace tugboat::slack {
namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026

bool is_continuation(unsigned char c) {
  return (c & 0xC0U) == 0x80U;
}

// Byte offset just past the first `n` code points of `s` (s.size() if it has fewer).
std::size_t offset_of_char(std::string_view s, std::size_t n) {
  std::size_t i = 0;
  for (std::size_t chars = 0; i < s.size() && chars < n; ++chars) {
    ++i;
    while (i < s.size() && is_continuation(static_cast<unsigned char>(s[i]))) ++i;
  }
  return i;
}

void put_string(json_writer& w, std::string_view s) {
  // Text comes from users, git and child processes: make it valid UTF-8 before it reaches Slack,
  // which rejects the whole message otherwise.
  const auto clean = text::clean_utf8(s);
  w.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
}

void put_key(json_writer& w, std::string_view key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

void put_text_object(json_writer& w, std::string_view type, std::string_view text, std::size_t max_chars) {
  w.StartObject();
  put_key(w, "type");
  put_string(w, type);
  put_key(w, "text");
  put_string(w, truncate_text(text, max_chars));
  if (type == "plain_text") {
    put_key(w, "emoji");
    w.Bool(true);
  }
  w.EndObject();
}

void put_block_id(json_writer& w, const std::string& block_id) {
  if (block_id.empty()) return;
  put_key(w, "block_id");
  put_string(w, truncate_text(block_id, limits::kActionId));
}

void put_button(json_writer& w, const button& b) {
  w.StartObject();
  put_key(w, "type");
  w.String("button");
  put_key(w, "text");
  put_text_object(w, "plain_text", b.text, limits::kButtonText);
  put_key(w, "action_id");
  put_string(w, truncate_text(b.action_id, limits::kActionId));
  if (!b.value.empty()) {
    put_key(w, "value");
    put_string(w, truncate_text(b.value, limits::kButtonValue));
  }
  if (b.style != button_style::plain) {
    put_key(w, "style");
    w.String(b.style == button_style::primary ? "primary" : "danger");
  }
  w.EndObject();
}

struct block_encoder {
  json_writer& w;

  void operator()(const section_block& b) const {
    w.StartObject();
    put_key(w, "type");
    w.String("section");
    put_block_id(w, b.block_id);
    put_key(w, "text");
    // Slack rejects an empty section text; a single space keeps an accessory-only section valid.
    put_text_object(w, "mrkdwn", b.text.empty() ? std::string_view{" "} : std::string_view{b.text},
                    limits::kSectionText);
    if (b.accessory) {
      put_key(w, "accessory");
      put_button(w, *b.accessory);
    }
    w.EndObject();
  }
  void operator()(const context_block& b) const {
    w.StartObject();
    put_key(w, "type");
    w.String("context");
    put_block_id(w, b.block_id);
    put_key(w, "elements");
    w.StartArray();
    const auto n = std::min(b.elements.size(), limits::kContextElements);
    for (std::size_t i = 0; i < n; ++i) put_text_object(w, "mrkdwn", b.elements[i], limits::kContextText);
    w.EndArray();
    w.EndObject();
  }
  void operator()(const divider_block& b) const {
    w.StartObject();
    put_key(w, "type");
    w.String("divider");
    put_block_id(w, b.block_id);
    w.EndObject();
  }
  void operator()(const actions_block& b) const {
    w.StartObject();
    put_key(w, "type");
    w.String("actions");
    put_block_id(w, b.block_id);
    put_key(w, "elements");
    w.StartArray();
    const auto n = std::min(b.elements.size(), limits::kActionsElements);
    for (std::size_t i = 0; i < n; ++i) put_button(w, b.elements[i]);
    w.EndArray();
    w.EndObject();
  }
  void operator()(const header_block& b) const {
    w.StartObject();
    put_key(w, "type");
    w.String("header");
    put_block_id(w, b.block_id);
    put_key(w, "text");
    put_text_object(w, "plain_text", b.text, limits::kHeaderText);
    w.EndObject();
  }
};

void put_blocks(json_writer& w, const std::vector<block>& blocks) {
  w.StartArray();
  const block_encoder encode{w};
  if (blocks.size() <= limits::kMaxBlocks) {
    for (const auto& b : blocks) std::visit(encode, b);
  } else {
    for (std::size_t i = 0; i + 1 < limits::kMaxBlocks; ++i) std::visit(encode, blocks[i]);
    const auto omitted = blocks.size() - (limits::kMaxBlocks - 1);
    encode(context_block{{fmt::format("{} {} more not shown", kEllipsis, omitted)}, {}});
  }
  w.EndArray();
}

void put_metadata(json_writer& w, const message_metadata& m) {
  w.StartObject();
  put_key(w, "event_type");
  put_string(w, m.event_type);
  put_key(w, "event_payload");
  w.StartObject();
  for (const auto& [key, value] : m.payload) {
    put_key(w, key);
    put_string(w, value);
  }
  w.EndObject();
  w.EndObject();
}

std::string finish(const rapidjson::StringBuffer& buffer) {
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace

std::string truncate_text(std::string_view s, std::size_t max_chars) {
  const auto cut = offset_of_char(s, max_chars);
  if (cut >= s.size()) return std::string{s};
  if (max_chars == 0) return {};
  std::string out{s.substr(0, offset_of_char(s, max_chars - 1))};
  out.append(kEllipsis);
  return out;
}

std::string blocks_json(const std::vector<block>& blocks) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  put_blocks(w, blocks);
  return finish(buffer);
}

std::string metadata_json(const message_metadata& metadata) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  put_metadata(w, metadata);
  return finish(buffer);
}

std::string message_json(const outgoing_message& message) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  w.StartObject();
  if (!message.channel.empty()) {
    put_key(w, "channel");
    put_string(w, message.channel.str());
  }
  put_key(w, "text");
  put_string(w, truncate_text(message.text, limits::kMessageText));
  if (!message.blocks.empty()) {
    put_key(w, "blocks");
    put_blocks(w, message.blocks);
  } else if (!message.blocks_json.empty()) {
    put_key(w, "blocks");
    w.RawValue(message.blocks_json.data(), message.blocks_json.size(), rapidjson::kArrayType);
  }
  if (!message.thread_ts.empty()) {
    put_key(w, "thread_ts");
    put_string(w, message.thread_ts.str());
    if (message.reply_broadcast) {
      put_key(w, "reply_broadcast");
      w.Bool(true);
    }
  }
  if (message.metadata) {
    put_key(w, "metadata");
    put_metadata(w, *message.metadata);
  }
  w.EndObject();
  return finish(buffer);
}

}  // namespace tugboat::slack
