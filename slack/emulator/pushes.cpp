// Events pushed as users: what Slack would deliver to the bot for a mention, a DM, a channel message,
// another bot's message, an edit, the slash command and a button click.
#include <fmt/format.h>

#include <chrono>
#include <stdexcept>

#include "slack/emulator/emulator_impl.hpp"
#include "slack/emulator/events.hpp"
#include "slack/emulator/json_shapes.hpp"

namespace tugboat::slack {
namespace {

long long unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string channel_type(const emu::channel_record& c) {
  return c.is_im ? "im" : "channel";
}

}  // namespace

push_result emulator::impl::push_user_message(const std::string& user, const std::string& channel,
                                              const std::string& text, const std::string& thread_ts,
                                              bool mention) {
  const auto& u = ws.require_user(user);
  const auto& c = ws.require_channel(channel);
  if (mention && c.is_im) throw std::invalid_argument("Slack sends no app_mention in a DM; use dm()");
  emulated_message m;
  m.channel = c.id;
  m.user = u.profile.id;
  m.ts = ws.next_ts();
  m.thread_ts = thread_ts;
  m.text = text;
  auto mention_tag = fmt::format("<@{}>", emu::kBotUser);
  if (mention && text.find(mention_tag) == std::string::npos) m.text = mention_tag + " " + text;
  if (!thread_ts.empty()) {
    if (auto* parent = ws.find_message(c.id, thread_ts)) {
      if (parent->thread_ts.empty()) {
        parent->thread_ts = parent->ts;
        ws.changed(*parent);
      }
    }
  }
  auto& stored = ws.add_message(m);
  emu::event_ids ids{ws.next_event_id(), unix_seconds()};
  auto event = emu::message_event_json(stored, mention ? "app_mention" : "message", channel_type(c));
  push_result r;
  r.event_id = ids.event_id;
  r.ts = stored.ts;
  r.channel = c.id;
  r.envelope_id = hub->push(emu::envelope_kind::events_api,
                            emu::event_callback_json(event, ids, settings.app_id, c.id), ids.event_id);
  return r;
}

push_result emulator::impl::push_bot_message(const std::string& bot_id, const std::string& channel,
                                             const std::string& text, bool classic) {
  const auto& c = ws.require_channel(channel);
  emulated_message m;
  m.channel = c.id;
  m.bot_id = bot_id.empty() ? "B0OTHER" : bot_id;
  if (m.bot_id == emu::kBotId) m.user = std::string(emu::kBotUser);  // our own post echoed back
  m.ts = ws.next_ts();
  m.text = text;
  auto& stored = ws.add_message(m);
  emu::event_ids ids{ws.next_event_id(), unix_seconds()};
  auto event = emu::message_event_json(stored, "message", channel_type(c), classic);
  push_result r;
  r.event_id = ids.event_id;
  r.ts = stored.ts;
  r.channel = c.id;
  r.envelope_id = hub->push(emu::envelope_kind::events_api,
                            emu::event_callback_json(event, ids, settings.app_id, c.id), ids.event_id);
  return r;
}

push_result emulator::impl::push_edit(const std::string& channel, const std::string& ts,
                                      const std::string& text) {
  const auto& c = ws.require_channel(channel);
  auto* m = ws.find_message(c.id, ts);
  if (m == nullptr) throw std::invalid_argument(fmt::format("no message {} in {}", ts, c.id));
  auto before = *m;
  m->text = text;
  ++m->edited;
  ws.changed(*m);
  auto event_ts = ws.next_ts();
  emu::event_ids ids{ws.next_event_id(), unix_seconds()};
  auto event = emu::message_changed_event_json(*m, before, event_ts, channel_type(c), settings.app_id);
  push_result r;
  r.event_id = ids.event_id;
  r.ts = ts;
  r.channel = c.id;
  r.envelope_id = hub->push(emu::envelope_kind::events_api,
                            emu::event_callback_json(event, ids, settings.app_id, c.id), ids.event_id);
  return r;
}

std::string emulator::impl::new_response_url(const std::string& kind, response_target target) {
  auto id = fmt::format("{}/{}/{}", emu::kTeamId, ++next_response_url, ws.next_envelope_id().substr(0, 8));
  response_urls[kind + "/" + id] = std::move(target);
  return fmt::format("{}hooks/{}/{}", base_url(), kind, id);
}

push_result emulator::impl::push_slash(const std::string& user, const std::string& channel,
                                       const std::string& text, const std::string& command) {
  const auto& u = ws.require_user(user);
  const auto& c = ws.require_channel(channel);
  emu::slash_fields f;
  f.user_id = u.profile.id;
  f.user_name = u.profile.name;
  f.channel_id = c.id;
  f.channel_name = c.is_im ? "directmessage" : c.name;
  f.command = command.empty() ? "/tugboat" : command;
  f.text = text;
  f.trigger_id = ws.next_trigger_id();
  f.app_id = settings.app_id;
  f.response_url = new_response_url("commands", {c.id, u.profile.id, {}, 5});
  push_result r;
  r.channel = c.id;
  r.envelope_id = hub->push(emu::envelope_kind::slash_commands, emu::slash_payload_json(f), {});
  return r;
}

push_result emulator::impl::push_click(const std::string& user, const std::string& channel,
                                       const std::string& message_ts, const std::string& action_id,
                                       const std::optional<std::string>& value) {
  const auto& u = ws.require_user(user);
  const auto& c = ws.require_channel(channel);
  const auto* m = ws.find_message(c.id, message_ts);
  if (m == nullptr || m->deleted)
    throw std::invalid_argument(fmt::format("no message {} in {}", message_ts, c.id));
  emu::click_fields f;
  f.user_id = u.profile.id;
  f.user_name = u.profile.name;
  f.channel_id = c.id;
  f.channel_name = c.is_im ? "directmessage" : c.name;
  f.trigger_id = ws.next_trigger_id();
  f.app_id = settings.app_id;
  f.action_ts = ws.next_ts();
  f.message_ts = m->ts;
  f.message_json = emu::message_json(*m, {ws.reply_count(c.id, m->ts), {}, false, settings.app_id});
  bool found = false;
  for (const auto& b : m->buttons) {
    if (b.action_id == action_id) {
      f.button = b;
      found = true;
      break;
    }
  }
  if (!found)
    throw std::invalid_argument(fmt::format("message {} has no button '{}'", message_ts, action_id));
  if (value) f.button.value = *value;
  f.response_url = new_response_url("actions", {c.id, u.profile.id, m->ts, 5});
  push_result r;
  r.channel = c.id;
  r.ts = m->ts;
  r.envelope_id = hub->push(emu::envelope_kind::interactive, emu::block_actions_payload_json(f), {});
  return r;
}

}  // namespace tugboat::slack
