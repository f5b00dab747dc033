#include "slack/emulator/json_shapes.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace tugboat::slack::emu {
namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void key_string(writer& w, const char* k, std::string_view v) {
  w.Key(k);
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

void raw(writer& w, std::string_view json, rapidjson::Type type) {
  w.RawValue(json.data(), json.size(), type);
}

std::string str(const rapidjson::Value& v, const char* member) {
  if (!v.IsObject()) return {};
  auto it = v.FindMember(member);
  if (it == v.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

void add_button(std::vector<emulated_button>& out, const rapidjson::Value& element,
                const std::string& block_id) {
  if (!element.IsObject() || str(element, "type") != "button") return;
  emulated_button b;
  if (auto t = element.FindMember("text"); t != element.MemberEnd()) b.text = str(t->value, "text");
  b.action_id = str(element, "action_id");
  b.value = str(element, "value");
  b.style = str(element, "style");
  b.block_id = block_id;
  out.push_back(std::move(b));
}

}  // namespace

std::string json_quote(std::string_view s) {
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return {buf.GetString(), buf.GetSize()};
}

bool is_json_object(std::string_view text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  return !d.HasParseError() && d.IsObject();
}

std::string with_block_ids(std::string_view blocks_json, std::uint64_t& counter) {
  rapidjson::Document d;
  d.Parse(blocks_json.data(), blocks_json.size());
  if (d.HasParseError() || !d.IsArray()) return std::string(blocks_json);
  bool changed = false;
  for (auto& b : d.GetArray()) {
    if (!b.IsObject() || b.HasMember("block_id")) continue;
    static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::string id;
    for (auto n = ++counter * 7919 + 104729; id.size() < 5; n /= 62) id += kAlphabet[n % 62];
    b.AddMember("block_id",
                rapidjson::Value(id.c_str(), static_cast<rapidjson::SizeType>(id.size()), d.GetAllocator()),
                d.GetAllocator());
    changed = true;
  }
  if (!changed) return std::string(blocks_json);
  rapidjson::StringBuffer buf;
  writer w(buf);
  d.Accept(w);
  return {buf.GetString(), buf.GetSize()};
}

bool valid_blocks(std::string_view blocks_json) {
  rapidjson::Document d;
  d.Parse(blocks_json.data(), blocks_json.size());
  if (d.HasParseError() || !d.IsArray()) return false;
  for (const auto& b : d.GetArray()) {
    if (!b.IsObject() || str(b, "type").empty()) return false;
  }
  return true;
}

std::vector<emulated_button> buttons_from_blocks(std::string_view blocks_json) {
  std::vector<emulated_button> out;
  rapidjson::Document d;
  d.Parse(blocks_json.data(), blocks_json.size());
  if (d.HasParseError() || !d.IsArray()) return out;
  for (const auto& block : d.GetArray()) {
    if (!block.IsObject()) continue;
    auto block_id = str(block, "block_id");
    if (auto el = block.FindMember("elements"); el != block.MemberEnd() && el->value.IsArray()) {
      for (const auto& e : el->value.GetArray()) add_button(out, e, block_id);
    }
    if (auto acc = block.FindMember("accessory"); acc != block.MemberEnd())
      add_button(out, acc->value, block_id);
  }
  return out;
}

std::string message_json(const emulated_message& m, const message_shape_options& options) {
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  key_string(w, "type", "message");
  if (!m.bot_id.empty() && m.user.empty()) key_string(w, "subtype", "bot_message");
  key_string(w, "text", m.text);
  if (!m.user.empty()) key_string(w, "user", m.user);
  key_string(w, "ts", m.ts);
  key_string(w, "team", kTeamId);
  if (!m.bot_id.empty()) {
    key_string(w, "bot_id", m.bot_id);
    if (m.bot_id == kBotId) {
      key_string(w, "app_id", options.app_id);
      w.Key("bot_profile");
      w.StartObject();
      key_string(w, "id", kBotId);
      key_string(w, "app_id", options.app_id);
      key_string(w, "name", kBotName);
      w.Key("deleted");
      w.Bool(false);
      key_string(w, "team_id", kTeamId);
      w.EndObject();
    }
  }
  if (!m.blocks_json.empty()) {
    w.Key("blocks");
    raw(w, m.blocks_json, rapidjson::kArrayType);
  }
  if (!m.thread_ts.empty()) {
    key_string(w, "thread_ts", m.thread_ts);
    if (m.thread_ts == m.ts) {
      w.Key("reply_count");
      w.Uint64(options.reply_count);
      if (!options.latest_reply.empty()) key_string(w, "latest_reply", options.latest_reply);
    }
  }
  if (m.edited > 0) {
    w.Key("edited");
    w.StartObject();
    key_string(w, "user", m.user);
    key_string(w, "ts", m.ts);
    w.EndObject();
  }
  if (!m.reactions.empty()) {
    w.Key("reactions");
    w.StartArray();
    for (const auto& r : m.reactions) {
      w.StartObject();
      key_string(w, "name", r);
      w.Key("users");
      w.StartArray();
      w.String(kBotUser.data(), static_cast<rapidjson::SizeType>(kBotUser.size()));
      w.EndArray();
      w.Key("count");
      w.Int(1);
      w.EndObject();
    }
    w.EndArray();
  }
  if (options.include_metadata && !m.metadata_event_type.empty()) {
    w.Key("metadata");
    w.StartObject();
    key_string(w, "event_type", m.metadata_event_type);
    w.Key("event_payload");
    if (m.metadata_payload_json.empty()) {
      w.StartObject();
      w.EndObject();
    } else {
      raw(w, m.metadata_payload_json, rapidjson::kObjectType);
    }
    w.EndObject();
  }
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

std::string user_json(const user_record& u) {
  const auto& p = u.profile;
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  key_string(w, "id", p.id);
  key_string(w, "team_id", kTeamId);
  key_string(w, "name", p.name);
  w.Key("deleted");
  w.Bool(p.deleted);
  key_string(w, "real_name", p.real_name);
  key_string(w, "tz", p.tz);
  key_string(w, "tz_label", p.tz_label);
  w.Key("tz_offset");
  w.Int(p.tz_offset);
  w.Key("is_bot");
  w.Bool(p.is_bot);
  w.Key("is_app_user");
  w.Bool(false);
  w.Key("profile");
  w.StartObject();
  key_string(w, "real_name", p.real_name);
  key_string(w, "display_name", p.name);
  if (!p.email.empty()) key_string(w, "email", p.email);
  if (!u.bot_id.empty()) key_string(w, "bot_id", u.bot_id);
  key_string(w, "team", kTeamId);
  w.EndObject();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace tugboat::slack::emu
