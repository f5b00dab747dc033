// The typed wrappers of web_api: each builds its params, goes through `call`, and decodes the answer
// into a plain struct. Decoding is lenient (a missing field becomes empty) except where the caller
// cannot do without a value (a posted message's ts, a DM's channel id, the socket URL): then the answer
// is an `invalid_response` api_error.
//
// GCC 12 destroys twice (a) a braced aggregate passed by value to a coroutine inside a co_await
// expression and (b) the result of a co_await inside `?:`. Arguments are therefore built in named
// locals first, and co_await never appears inside `?:`.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "core/text.hpp"
#include "slack/web_api.hpp"

namespace tugboat::slack {
namespace {

using boost::asio::awaitable;

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) doc.SetObject();  // call() already checked; stay lenient
  return doc;
}

const rapidjson::Value* member(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  const auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string get_string(const rapidjson::Value& object, const char* key) {
  const auto* v = member(object, key);
  return v != nullptr && v->IsString() ? std::string{v->GetString(), v->GetStringLength()} : std::string{};
}

bool get_bool(const rapidjson::Value& object, const char* key) {
  const auto* v = member(object, key);
  return v != nullptr && v->IsBool() && v->GetBool();
}

int get_int(const rapidjson::Value& object, const char* key) {
  const auto* v = member(object, key);
  return v != nullptr && v->IsInt() ? v->GetInt() : 0;
}

std::string to_json(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  v.Accept(w);
  return {buffer.GetString(), buffer.GetSize()};
}

api_error invalid_response(std::string method, std::string what) {
  return api_error{api_error_details{
      std::move(method), "invalid_response", error_class::transient, false, 200, {}, {}, std::move(what)}};
}

std::string required_string(const rapidjson::Value& object, const char* key, const char* method) {
  auto value = get_string(object, key);
  if (value.empty()) throw invalid_response(method, std::string{"the answer has no "} + key);
  return value;
}

user_info decode_user(const rapidjson::Value& u) {
  user_info out;
  out.id = user_id{get_string(u, "id")};
  out.name = get_string(u, "name");
  out.real_name = get_string(u, "real_name");
  out.tz = get_string(u, "tz");
  out.tz_offset = get_int(u, "tz_offset");
  out.is_bot = get_bool(u, "is_bot");
  out.deleted = get_bool(u, "deleted");
  if (const auto* profile = member(u, "profile")) {
    out.email = get_string(*profile, "email");
    if (out.real_name.empty()) out.real_name = get_string(*profile, "real_name");
  }
  return out;
}

thread_message decode_message(const rapidjson::Value& m) {
  thread_message out;
  out.ts = message_ts{get_string(m, "ts")};
  out.thread_ts = message_ts{get_string(m, "thread_ts")};
  out.user = user_id{get_string(m, "user")};
  out.bot = bot_id{get_string(m, "bot_id")};
  out.text = get_string(m, "text");
  if (const auto* meta = member(m, "metadata"); meta != nullptr && meta->IsObject()) {
    out.metadata_event_type = get_string(*meta, "event_type");
    if (const auto* payload = member(*meta, "event_payload"); payload != nullptr && payload->IsObject()) {
      out.metadata_payload_json = to_json(*payload);
      for (const auto& entry : payload->GetObject()) {
        std::string key{entry.name.GetString(), entry.name.GetStringLength()};
        if (entry.value.IsString())
          out.metadata_payload.emplace_back(
              std::move(key), std::string{entry.value.GetString(), entry.value.GetStringLength()});
      }
    }
  }
  return out;
}

// The parts of an outgoing message every chat.* method shares.
void add_message_fields(api_params& params, const outgoing_message& m, bool always_blocks) {
  params.add("text", truncate_text(m.text, limits::kMessageText));
  // chat.update keeps the old blocks unless told otherwise, so an update always says what they are.
  if (!m.blocks.empty()) {
    params.add_json("blocks", blocks_json(m.blocks));
  } else if (!m.blocks_json.empty()) {
    params.add_json("blocks", m.blocks_json);
  } else if (always_blocks) {
    params.add_json("blocks", "[]");
  }
  if (m.metadata) params.add_json("metadata", metadata_json(*m.metadata));
}

std::vector<std::string> split_scopes(std::string_view header) {
  std::vector<std::string> scopes;
  while (!header.empty()) {
    const auto comma = header.find(',');
    const auto scope = text::trim(header.substr(0, comma));
    if (!scope.empty()) scopes.emplace_back(scope);
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return scopes;
}

}  // namespace

awaitable<auth_info> web_api::auth_test() {
  auto result = co_await call("auth.test", api_params{}, call_options{});
  const auto doc = parse(result.body);
  auth_info out;
  out.user = user_id{get_string(doc, "user_id")};
  out.bot = bot_id{get_string(doc, "bot_id")};
  out.team = team_id{get_string(doc, "team_id")};
  out.team_name = get_string(doc, "team");
  out.url = get_string(doc, "url");
  out.scopes = split_scopes(result.oauth_scopes);
  co_return out;
}

awaitable<std::string> web_api::apps_connections_open() {
  auto result = co_await call("apps.connections.open", api_params{}, call_options{});
  co_return required_string(parse(result.body), "url", "apps.connections.open");
}

awaitable<posted_message> web_api::post_message(const outgoing_message& message) {
  api_params params;
  params.add("channel", message.channel.str());
  add_message_fields(params, message, false);
  if (!message.thread_ts.empty()) {
    params.add("thread_ts", message.thread_ts.str());
    if (message.reply_broadcast) params.add("reply_broadcast", true);
  }
  auto result = co_await call("chat.postMessage", std::move(params), call_options{});
  const auto doc = parse(result.body);
  co_return posted_message{channel_id{required_string(doc, "channel", "chat.postMessage")},
                           message_ts{required_string(doc, "ts", "chat.postMessage")}};
}

awaitable<void> web_api::update_message(const channel_id& channel, const message_ts& ts,
                                        const outgoing_message& message) {
  api_params params;
  params.add("channel", channel.str()).add("ts", ts.str());
  add_message_fields(params, message, true);
  co_await call("chat.update", std::move(params), call_options{});
}

awaitable<message_ts> web_api::post_ephemeral(const channel_id& channel, const user_id& user,
                                              const outgoing_message& message) {
  api_params params;
  params.add("channel", channel.str()).add("user", user.str());
  add_message_fields(params, message, false);
  if (!message.thread_ts.empty()) params.add("thread_ts", message.thread_ts.str());
  auto result = co_await call("chat.postEphemeral", std::move(params), call_options{});
  co_return message_ts{get_string(parse(result.body), "message_ts")};
}

awaitable<channel_id> web_api::conversations_open(const user_id& user) {
  api_params params;
  params.add("users", user.str());
  auto result = co_await call("conversations.open", std::move(params), call_options{});
  const auto doc = parse(result.body);
  const auto* channel = member(doc, "channel");
  if (channel == nullptr) throw invalid_response("conversations.open", "the answer has no channel");
  co_return channel_id{required_string(*channel, "id", "conversations.open")};
}

awaitable<replies_page> web_api::conversations_replies(const channel_id& channel, const message_ts& thread_ts,
                                                       std::string cursor, int limit,
                                                       bool include_all_metadata) {
  api_params params;
  params.add("channel", channel.str()).add("ts", thread_ts.str());
  if (!cursor.empty()) params.add("cursor", std::move(cursor));
  if (limit > 0) params.add("limit", limit);
  if (include_all_metadata) params.add("include_all_metadata", true);
  auto result = co_await call("conversations.replies", std::move(params), call_options{});
  const auto doc = parse(result.body);
  replies_page page;
  if (const auto* messages = member(doc, "messages"); messages != nullptr && messages->IsArray()) {
    for (const auto& m : messages->GetArray())
      if (m.IsObject()) page.messages.push_back(decode_message(m));
  }
  if (const auto* meta = member(doc, "response_metadata"))
    page.next_cursor = get_string(*meta, "next_cursor");
  co_return page;
}

awaitable<replies_page> web_api::conversations_history(const channel_id& channel, long long oldest_seconds,
                                                      std::string cursor) {
  api_params params;
  params.add("channel", channel.str()).add("limit", 200).add("include_all_metadata", true);
  if (oldest_seconds > 0) params.add("oldest", std::to_string(oldest_seconds));
  if (!cursor.empty()) params.add("cursor", std::move(cursor));
  auto result = co_await call("conversations.history", std::move(params), call_options{});
  const auto doc = parse(result.body);
  replies_page page;
  if (const auto* messages = member(doc, "messages"); messages != nullptr && messages->IsArray()) {
    for (const auto& m : messages->GetArray())
      if (m.IsObject()) page.messages.push_back(decode_message(m));
  }
  if (const auto* meta = member(doc, "response_metadata")) page.next_cursor = get_string(*meta, "next_cursor");
  co_return page;
}

awaitable<user_info> web_api::users_info(const user_id& user) {
  api_params params;
  params.add("user", user.str());
  auto result = co_await call("users.info", std::move(params), call_options{});
  const auto doc = parse(result.body);
  const auto* u = member(doc, "user");
  if (u == nullptr || !u->IsObject()) throw invalid_response("users.info", "the answer has no user");
  co_return decode_user(*u);
}

awaitable<std::optional<user_info>> web_api::users_lookup_by_email(std::string email) {
  std::optional<api_result> result;
  try {
    api_params params;
    params.add("email", std::move(email));
    result = co_await call("users.lookupByEmail", std::move(params), call_options{});
  } catch (const api_error& e) {
    if (e.code() != "users_not_found") throw;
  }
  if (!result) co_return std::nullopt;
  const auto doc = parse(result->body);
  const auto* u = member(doc, "user");
  if (u == nullptr || !u->IsObject()) throw invalid_response("users.lookupByEmail", "the answer has no user");
  co_return decode_user(*u);
}

awaitable<void> web_api::reactions_add(const channel_id& channel, const message_ts& ts, std::string name) {
  api_params params;
  params.add("channel", channel.str()).add("timestamp", ts.str()).add("name", std::move(name));
  try {
    co_await call("reactions.add", std::move(params), call_options{});
  } catch (const api_error& e) {
    if (e.code() != "already_reacted") throw;
  }
}

}  // namespace tugboat::slack
