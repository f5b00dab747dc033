#include "slack/emulator/events.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace tugboat::slack::emu {
namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void kv(writer& w, const char* k, std::string_view v) {
  w.Key(k);
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

void kb(writer& w, const char* k, bool v) {
  w.Key(k);
  w.Bool(v);
}

std::string done(const rapidjson::StringBuffer& buf) {
  return {buf.GetString(), buf.GetSize()};
}

// What Slack's clients put in `blocks` for a typed message: one rich_text section; a leading
// "<@U…>" becomes a user element.
void rich_text_blocks(writer& w, std::string_view text) {
  w.Key("blocks");
  w.StartArray();
  w.StartObject();
  kv(w, "type", "rich_text");
  kv(w, "block_id", "emu");
  w.Key("elements");
  w.StartArray();
  w.StartObject();
  kv(w, "type", "rich_text_section");
  w.Key("elements");
  w.StartArray();
  if (text.starts_with("<@")) {
    if (auto end = text.find('>'); end != std::string_view::npos) {
      w.StartObject();
      kv(w, "type", "user");
      kv(w, "user_id", text.substr(2, end - 2));
      w.EndObject();
      text.remove_prefix(end + 1);
    }
  }
  if (!text.empty()) {
    w.StartObject();
    kv(w, "type", "text");
    kv(w, "text", text);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  w.EndArray();
}

void message_fields(writer& w, const emulated_message& m, bool classic_bot) {
  if (!m.user.empty()) kv(w, "user", m.user);
  if (!m.bot_id.empty()) {
    if (classic_bot) kv(w, "subtype", "bot_message");
    kv(w, "bot_id", m.bot_id);
    if (!classic_bot) {
      w.Key("bot_profile");
      w.StartObject();
      kv(w, "id", m.bot_id);
      kv(w, "name", "other-bot");
      kb(w, "deleted", false);
      kv(w, "team_id", kTeamId);
      w.EndObject();
    }
  }
  kv(w, "text", m.text);
  kv(w, "ts", m.ts);
  if (!m.thread_ts.empty()) kv(w, "thread_ts", m.thread_ts);
  kv(w, "team", kTeamId);
  if (m.bot_id.empty()) {
    kv(w, "client_msg_id", "emu-" + m.ts);
    rich_text_blocks(w, m.text);
  } else if (!m.blocks_json.empty()) {
    w.Key("blocks");
    w.RawValue(m.blocks_json.data(), m.blocks_json.size(), rapidjson::kArrayType);
  }
}

}  // namespace

std::string event_callback_json(std::string_view event_json, const event_ids& ids, std::string_view app_id,
                                std::string_view channel) {
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  kv(w, "token", "emulator-verification-token");
  kv(w, "team_id", kTeamId);
  kv(w, "context_team_id", kTeamId);
  w.Key("context_enterprise_id");
  w.Null();
  kv(w, "api_app_id", app_id);
  w.Key("event");
  w.RawValue(event_json.data(), event_json.size(), rapidjson::kObjectType);
  kv(w, "type", "event_callback");
  kv(w, "event_id", ids.event_id);
  w.Key("event_time");
  w.Int64(ids.event_time);
  w.Key("authorizations");
  w.StartArray();
  w.StartObject();
  w.Key("enterprise_id");
  w.Null();
  kv(w, "team_id", kTeamId);
  kv(w, "user_id", kBotUser);
  kb(w, "is_bot", true);
  kb(w, "is_enterprise_install", false);
  w.EndObject();
  w.EndArray();
  kb(w, "is_ext_shared_channel", false);
  kv(w, "event_context", std::string("4-emu-") + std::string(channel));
  w.EndObject();
  return done(buf);
}

std::string message_event_json(const emulated_message& m, std::string_view type, std::string_view channel_type,
                               bool classic_bot) {
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  kv(w, "type", type);
  message_fields(w, m, classic_bot);
  kv(w, "channel", m.channel);
  kv(w, "event_ts", m.ts);
  if (type == "message") kv(w, "channel_type", channel_type);
  w.EndObject();
  return done(buf);
}

std::string message_changed_event_json(const emulated_message& after, const emulated_message& before,
                                       std::string_view event_ts, std::string_view channel_type,
                                       std::string_view app_id) {
  (void)app_id;
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  kv(w, "type", "message");
  kv(w, "subtype", "message_changed");
  kb(w, "hidden", true);
  w.Key("message");
  w.StartObject();
  kv(w, "type", "message");
  message_fields(w, after, false);
  w.Key("edited");
  w.StartObject();
  kv(w, "user", after.user);
  kv(w, "ts", event_ts);
  w.EndObject();
  w.EndObject();
  w.Key("previous_message");
  w.StartObject();
  kv(w, "type", "message");
  message_fields(w, before, false);
  w.EndObject();
  kv(w, "channel", after.channel);
  kv(w, "ts", event_ts);
  kv(w, "event_ts", event_ts);
  kv(w, "channel_type", channel_type);
  w.EndObject();
  return done(buf);
}

std::string slash_payload_json(const slash_fields& f) {
  // Slack sends the slash-command form fields, all strings.
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  kv(w, "token", "emulator-verification-token");
  kv(w, "team_id", kTeamId);
  kv(w, "team_domain", kTeamName);
  kv(w, "channel_id", f.channel_id);
  kv(w, "channel_name", f.channel_name);
  kv(w, "user_id", f.user_id);
  kv(w, "user_name", f.user_name);
  kv(w, "command", f.command);
  kv(w, "text", f.text);
  kv(w, "api_app_id", f.app_id);
  kv(w, "is_enterprise_install", "false");
  kv(w, "response_url", f.response_url);
  kv(w, "trigger_id", f.trigger_id);
  w.EndObject();
  return done(buf);
}

std::string block_actions_payload_json(const click_fields& f) {
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  kv(w, "type", "block_actions");
  w.Key("user");
  w.StartObject();
  kv(w, "id", f.user_id);
  kv(w, "username", f.user_name);
  kv(w, "name", f.user_name);
  kv(w, "team_id", kTeamId);
  w.EndObject();
  kv(w, "api_app_id", f.app_id);
  kv(w, "token", "emulator-verification-token");
  w.Key("container");
  w.StartObject();
  kv(w, "type", "message");
  kv(w, "message_ts", f.message_ts);
  kv(w, "channel_id", f.channel_id);
  kb(w, "is_ephemeral", false);
  w.EndObject();
  kv(w, "trigger_id", f.trigger_id);
  w.Key("team");
  w.StartObject();
  kv(w, "id", kTeamId);
  kv(w, "domain", kTeamName);
  w.EndObject();
  w.Key("enterprise");
  w.Null();
  kb(w, "is_enterprise_install", false);
  w.Key("channel");
  w.StartObject();
  kv(w, "id", f.channel_id);
  kv(w, "name", f.channel_name);
  w.EndObject();
  w.Key("message");
  w.RawValue(f.message_json.data(), f.message_json.size(), rapidjson::kObjectType);
  w.Key("state");
  w.StartObject();
  w.Key("values");
  w.StartObject();
  w.EndObject();
  w.EndObject();
  kv(w, "response_url", f.response_url);
  w.Key("actions");
  w.StartArray();
  w.StartObject();
  kv(w, "action_id", f.button.action_id);
  kv(w, "block_id", f.button.block_id);
  w.Key("text");
  w.StartObject();
  kv(w, "type", "plain_text");
  kv(w, "text", f.button.text);
  kb(w, "emoji", true);
  w.EndObject();
  kv(w, "value", f.button.value);
  if (!f.button.style.empty()) kv(w, "style", f.button.style);
  kv(w, "type", "button");
  kv(w, "action_ts", f.action_ts);
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return done(buf);
}

}  // namespace tugboat::slack::emu
