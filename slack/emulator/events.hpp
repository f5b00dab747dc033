#pragma once
// The payloads Slack puts in Socket Mode envelopes, as JSON text: the events_api outer event_callback,
// the inner events (app_mention, message incl. im, bot messages and message_changed), the slash command
// form and block_actions. Pure functions, any thread; nothing throws except bad_alloc.
#include <string>
#include <string_view>

#include "slack/emulator/emulator.hpp"
#include "slack/emulator/model.hpp"

namespace tugboat::slack::emu {

struct event_ids {
  std::string event_id;
  long long event_time = 0;  // seconds
};

// The events_api payload around `event_json` (a JSON object).
std::string event_callback_json(std::string_view event_json, const event_ids& ids, std::string_view app_id,
                                std::string_view channel);

// `m` as Slack sends it inside an event: type "app_mention" or "message" (then `channel_type` is
// "channel" or "im"). Bot messages carry bot_id (and subtype bot_message when `classic_bot`).
std::string message_event_json(const emulated_message& m, std::string_view type, std::string_view channel_type,
                               bool classic_bot = false);
// subtype message_changed: `after` is the edited message, `before` its previous version.
std::string message_changed_event_json(const emulated_message& after, const emulated_message& before,
                                       std::string_view event_ts, std::string_view channel_type,
                                       std::string_view app_id);

struct slash_fields {
  std::string user_id, user_name, channel_id, channel_name, command, text, response_url, trigger_id, app_id;
};
std::string slash_payload_json(const slash_fields& f);

struct click_fields {
  std::string user_id, user_name, channel_id, channel_name, response_url, trigger_id, app_id, action_ts;
  std::string message_json;  // the clicked message, full (incl. blocks)
  std::string message_ts;
  emulated_button button;  // block_id, action_id, text, value, style
};
std::string block_actions_payload_json(const click_fields& f);

}  // namespace tugboat::slack::emu
