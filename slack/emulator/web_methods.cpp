// The Web API methods the bot uses, with Slack's answers and errors: auth.test, chat.*, conversations.*,
// users.*, reactions.add. Called by web_api.cpp after auth, faults and rate limits; emulator thread.
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "slack/emulator/emulator_impl.hpp"
#include "slack/emulator/json_reply.hpp"
#include "slack/emulator/json_shapes.hpp"

namespace tugboat::slack {
namespace {

using emu::http_response;
using writer = rapidjson::Writer<rapidjson::StringBuffer>;

using reply = emu::json_reply;

http_response error(std::string_view code) {
  return {
      200, "application/json; charset=utf-8", fmt::format(R"({{"ok":false,"error":"{}"}})", code), {}, {}};
}

std::string get(const params& p, std::string_view k) {
  auto it = p.find(k);
  return it == p.end() ? std::string() : it->second;
}

bool truthy(const params& p, std::string_view k) {
  auto v = get(p, k);
  return v == "true" || v == "1";
}

// Opaque cursors as Slack's look (base64-ish); ours encode an offset.
std::string make_cursor(std::size_t offset) {
  return fmt::format("ZW11LW9mZnNldDo{}", offset);
}
bool read_cursor(const std::string& c, std::size_t& offset) {
  static constexpr std::string_view kPrefix = "ZW11LW9mZnNldDo";
  if (c.empty()) {
    offset = 0;
    return true;
  }
  if (!c.starts_with(kPrefix)) return false;
  try {
    offset = std::stoul(c.substr(kPrefix.size()));
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

}  // namespace

http_response emulator::impl::auth_test() {
  return reply()
      .str("url", fmt::format("https://{}.slack.com/", emu::kTeamName))
      .str("team", emu::kTeamName)
      .str("user", emu::kBotName)
      .str("team_id", emu::kTeamId)
      .str("user_id", emu::kBotUser)
      .str("bot_id", emu::kBotId)
      .boolean("is_enterprise_install", false)
      .finish();
}

// ---- chat.* ------------------------------------------------------------------------------------------

http_response emulator::impl::chat_post(const params& p, bool ephemeral) {
  auto channel_arg = get(p, "channel");
  const auto* c = channel_arg.empty() ? nullptr : ws.find_channel(channel_arg);
  if (c == nullptr) return error("channel_not_found");
  if (!c->bot_is_member) return error("not_in_channel");
  auto text = get(p, "text");
  auto blocks = get(p, "blocks");
  if (!blocks.empty() && !emu::valid_blocks(blocks)) return error("invalid_blocks");
  if (blocks == "[]") blocks.clear();
  if (text.empty() && blocks.empty()) return error("no_text");
  if (!blocks.empty()) blocks = emu::with_block_ids(blocks, block_counter);
  if (text.size() > 40000) return error("msg_too_long");
  emulated_message m;
  m.channel = c->id;
  m.user = std::string(emu::kBotUser);
  m.bot_id = std::string(emu::kBotId);
  m.text = text;
  m.blocks_json = blocks;
  m.buttons = emu::buttons_from_blocks(blocks);
  if (ephemeral) {
    auto user = get(p, "user");
    const auto* u = ws.find_user(user);
    if (u == nullptr) return error("user_not_found");
    if (!c->members.contains(u->profile.id)) return error("user_not_in_channel");
    m.ephemeral_to = u->profile.id;
  }
  if (auto metadata = get(p, "metadata"); !metadata.empty() && !ephemeral) {
    rapidjson::Document d;
    d.Parse(metadata.data(), metadata.size());
    if (d.HasParseError() || !d.IsObject()) return error("invalid_metadata_format");
    auto type = d.FindMember("event_type");
    if (type == d.MemberEnd() || !type->value.IsString()) return error("invalid_metadata_schema");
    m.metadata_event_type = type->value.GetString();
    if (auto payload = d.FindMember("event_payload"); payload != d.MemberEnd()) {
      if (!payload->value.IsObject()) return error("invalid_metadata_schema");
      rapidjson::StringBuffer buf;
      writer w(buf);
      payload->value.Accept(w);
      m.metadata_payload_json.assign(buf.GetString(), buf.GetSize());
    } else {
      m.metadata_payload_json = "{}";
    }
  }
  if (auto thread_arg = get(p, "thread_ts"); !thread_arg.empty()) {
    // A reply to a reply lands in the parent's thread; an unknown thread_ts posts to the channel.
    if (auto* parent = ws.find_message(c->id, thread_arg)) {
      if (!parent->thread_ts.empty() && parent->thread_ts != parent->ts)
        parent = ws.find_message(c->id, parent->thread_ts);
      if (parent != nullptr) {
        if (parent->thread_ts.empty()) {
          parent->thread_ts = parent->ts;
          ws.changed(*parent);
        }
        m.thread_ts = parent->ts;
      }
    }
  }
  m.ts = ws.next_ts();
  auto& stored = ws.add_message(std::move(m));
  if (ephemeral) return reply().str("message_ts", stored.ts).finish();
  return reply()
      .str("channel", stored.channel)
      .str("ts", stored.ts)
      .raw("message", emu::message_json(stored, {0, {}, true, settings.app_id}))
      .finish();
}

http_response emulator::impl::chat_update(const params& p) {
  const auto* c = ws.find_channel(get(p, "channel"));
  if (c == nullptr) return error("channel_not_found");
  auto ts = get(p, "ts");
  auto* m = ts.empty() ? nullptr : ws.find_message(c->id, ts);
  if (m == nullptr || m->deleted || !m->ephemeral_to.empty()) return error("message_not_found");
  if (m->user != emu::kBotUser) return error("cant_update_message");
  auto blocks_given = p.contains("blocks");
  auto blocks = get(p, "blocks");
  if (blocks_given && !blocks.empty() && !emu::valid_blocks(blocks)) return error("invalid_blocks");
  if (p.contains("text")) m->text = get(p, "text");
  if (blocks_given) {
    m->blocks_json = blocks == "[]" || blocks.empty() ? "" : emu::with_block_ids(blocks, block_counter);
    m->buttons = emu::buttons_from_blocks(m->blocks_json);
  }
  if (auto metadata = get(p, "metadata"); !metadata.empty()) {
    rapidjson::Document d;
    d.Parse(metadata.data(), metadata.size());
    if (d.HasParseError() || !d.IsObject()) return error("invalid_metadata_format");
    if (auto type = d.FindMember("event_type"); type != d.MemberEnd() && type->value.IsString()) {
      m->metadata_event_type = type->value.GetString();
    }
    if (auto payload = d.FindMember("event_payload"); payload != d.MemberEnd() && payload->value.IsObject()) {
      rapidjson::StringBuffer buf;
      writer w(buf);
      payload->value.Accept(w);
      m->metadata_payload_json.assign(buf.GetString(), buf.GetSize());
    }
  }
  ++m->edited;
  ws.changed(*m);
  return reply()
      .str("channel", m->channel)
      .str("ts", m->ts)
      .str("text", m->text)
      .raw("message", emu::message_json(*m, {ws.reply_count(m->channel, m->ts), {}, true, settings.app_id}))
      .finish();
}

http_response emulator::impl::chat_delete(const params& p) {
  const auto* c = ws.find_channel(get(p, "channel"));
  if (c == nullptr) return error("channel_not_found");
  auto* m = ws.find_message(c->id, get(p, "ts"));
  if (m == nullptr || m->deleted) return error("message_not_found");
  if (m->user != emu::kBotUser) return error("cant_delete_message");
  m->deleted = true;
  ws.changed(*m);
  return reply().str("channel", m->channel).str("ts", m->ts).finish();
}

// ---- conversations.* ------------------------------------------------------------------------------------

http_response emulator::impl::conversations_open(const params& p) {
  auto users = get(p, "users");
  if (users.empty()) {
    if (auto ch = get(p, "channel"); !ch.empty()) {
      const auto* c = ws.find_channel(ch);
      if (c == nullptr) return error("channel_not_found");
      reply r;
      r.w.Key("channel");
      r.w.StartObject();
      r.str("id", c->id);
      r.w.EndObject();
      return r.finish();
    }
    return error("users_list_not_supplied");
  }
  if (users.find(',') != std::string::npos) return error("not_supported_in_emulator");  // group DMs
  const auto* u = ws.find_user(users);
  if (u == nullptr) return error("user_not_found");
  if (u->profile.is_bot) return error("cannot_dm_bot");
  bool existed = ws.has_dm(u->profile.id);
  const auto& c = ws.open_dm(u->profile.id);
  reply r;
  if (truthy(p, "return_im")) r.boolean("no_op", existed).boolean("already_open", existed);
  r.w.Key("channel");
  r.w.StartObject();
  r.str("id", c.id);
  if (truthy(p, "return_im")) {
    r.boolean("is_im", true).str("user", u->profile.id).boolean("is_open", true);
  }
  r.w.EndObject();
  return r.finish();
}

http_response emulator::impl::conversations_read(const params& p, bool replies) {
  auto channel = get(p, "channel");
  if (channel.empty()) return error("channel_not_found");
  const auto* c = ws.find_channel(channel);
  if (c == nullptr || (channel.front() != c->id.front() && channel.front() != '#'))
    return error("channel_not_found");
  if (!c->bot_is_member) return error("not_in_channel");
  std::vector<const emulated_message*> list;
  if (replies) {
    auto ts = get(p, "ts");
    if (ts.empty()) return error("invalid_arguments");
    list = ws.thread(c->id, ts);
    if (list.empty()) return error("thread_not_found");
  } else {
    list = ws.history(c->id);
  }
  auto oldest = get(p, "oldest");
  auto latest = get(p, "latest");
  bool inclusive = truthy(p, "inclusive");
  std::erase_if(list, [&](const emulated_message* m) {
    if (!oldest.empty() && (m->ts < oldest || (!inclusive && m->ts == oldest))) return true;
    if (!latest.empty() && (m->ts > latest || (!inclusive && m->ts == latest))) return true;
    return false;
  });
  std::size_t offset = 0;
  if (!read_cursor(get(p, "cursor"), offset)) return error("invalid_cursor");
  std::size_t limit = replies ? 1000 : 100;
  if (auto l = get(p, "limit"); !l.empty()) {
    try {
      limit = std::clamp<std::size_t>(std::stoul(l), 1, 1000);
    } catch (const std::exception&) {
      return error("invalid_limit");
    }
  }
  bool metadata = truthy(p, "include_all_metadata");
  reply r;
  r.w.Key("messages");
  r.w.StartArray();
  std::size_t end = std::min(list.size(), offset + limit);
  for (std::size_t k = offset; k < end; ++k) {
    const auto* m = list[k];
    emu::message_shape_options o{ws.reply_count(c->id, m->ts), {}, metadata, settings.app_id};
    if (o.reply_count > 0) o.latest_reply = ws.thread(c->id, m->ts).back()->ts;
    auto json = emu::message_json(*m, o);
    r.w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
  }
  r.w.EndArray();
  bool more = end < list.size();
  r.boolean("has_more", more);
  r.w.Key("response_metadata");
  r.w.StartObject();
  r.str("next_cursor", more ? make_cursor(end) : std::string());
  r.w.EndObject();
  return r.finish();
}

// ---- users.*, reactions.add ----------------------------------------------------------------------------

http_response emulator::impl::users_read(const params& p, bool by_email) {
  const emu::user_record* u = nullptr;
  if (by_email) {
    u = ws.find_user_by_email(get(p, "email"));
    // Slack answers users_not_found for a deactivated user too (users.info still shows it, deleted).
    if (u == nullptr || u->profile.deleted) return error("users_not_found");
  } else {
    auto id = get(p, "user");
    u = id.empty() ? nullptr : ws.find_user(id);
    if (u == nullptr || u->profile.id != id) return error("user_not_found");
  }
  return reply().raw("user", emu::user_json(*u)).finish();
}

http_response emulator::impl::reactions_add(const params& p) {
  auto name = get(p, "name");
  if (name.size() >= 2 && name.front() == ':' && name.back() == ':') name = name.substr(1, name.size() - 2);
  auto channel = get(p, "channel");
  auto ts = get(p, "timestamp");
  if (channel.empty() || ts.empty()) return error("no_item_specified");
  const auto* c = ws.find_channel(channel);
  if (c == nullptr) return error("channel_not_found");
  if (name.empty()) return error("invalid_name");
  auto* m = ws.find_message(c->id, ts);
  if (m == nullptr || m->deleted) return error("message_not_found");
  if (std::find(m->reactions.begin(), m->reactions.end(), name) != m->reactions.end())
    return error("already_reacted");
  m->reactions.push_back(name);
  ws.changed(*m);
  return reply().finish();
}

}  // namespace tugboat::slack
