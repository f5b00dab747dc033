// The Web API choke point and its typed wrappers against a scripted server over real sockets:
// tokens, encodings, decoding of Slack's answer shapes, keep-alive.
#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include "core/log.hpp"
#include "tests/slack/web_api_fixture.hpp"

using namespace tugboat;
using namespace tugboat::slack;
using namespace tugboat::test;
using boost::asio::awaitable;

namespace {
rapidjson::Document parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}
std::string str(const rapidjson::Value& v) {
  return {v.GetString(), v.GetStringLength()};
}
}  // namespace

TEST_CASE("every call carries the bearer token of its kind and nowhere else") {
  web_api_fixture f;
  f.script = [](const recorded_request& r) {
    if (r.path() == "/api/apps.connections.open")
      return ok_json(R"({"ok":true,"url":"wss://example.test/link/?ticket=1"})");
    if (r.path() == "/api/users.info") return ok_json(R"({"ok":true,"user":{"id":"U1"}})");
    return ok_json(
        R"({"ok":true,"user_id":"UBOT","bot_id":"BBOT","team_id":"T1","team":"Acme","url":"https://acme.slack.com/"})");
  };
  f.run([&]() -> awaitable<void> {
    (void)co_await f.api.auth_test();
    const auto url = co_await f.api.apps_connections_open();
    CHECK(url == "wss://example.test/link/?ticket=1");
    (void)co_await f.api.users_info(user_id{"U1"});
  }());
  const auto& reqs = f.server.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[0].path() == "/api/auth.test");
  CHECK(reqs[0].header("Authorization") == std::string{"Bearer "} + kBotToken);
  CHECK(reqs[1].method == "POST");
  CHECK(reqs[1].header("Authorization") == std::string{"Bearer "} + kAppToken);
  CHECK(reqs[2].header("Authorization") == std::string{"Bearer "} + kBotToken);
  for (const auto& r : reqs) {
    CHECK(r.body.find("xox") == std::string::npos);
    CHECK(r.body.find("xapp") == std::string::npos);
    CHECK(r.target.find("token") == std::string::npos);
  }
}

TEST_CASE("posts send a JSON body with charset and reads a query string") {
  web_api_fixture f;
  f.script = [](const recorded_request& r) {
    if (r.path() == "/api/chat.postMessage")
      return ok_json(R"({"ok":true,"channel":"C1","ts":"1700000000.000200"})");
    return ok_json(
        R"({"ok":true,"user":{"id":"U9","name":"ada","real_name":"Ada","tz":"Europe/London","tz_offset":3600,"profile":{"email":"a+b@example.com"}}})");
  };
  f.run([&]() -> awaitable<void> {
    outgoing_message m;
    m.channel = channel_id{"C1"};
    m.text = "hello";
    m.blocks.emplace_back(section_block{"*hello*", std::nullopt, ""});
    m.thread_ts = message_ts{"1700000000.000100"};
    m.metadata = message_metadata{"tugboat_outbox", {{"key", "r/1/0"}}};
    const auto posted = co_await f.api.post_message(m);
    CHECK(posted.channel == channel_id{"C1"});
    CHECK(posted.ts == message_ts{"1700000000.000200"});
    const auto user = co_await f.api.users_lookup_by_email("a+b@example.com");
    REQUIRE(user);
    CHECK(user->email == "a+b@example.com");
  }());
  const auto& reqs = f.server.requests();
  REQUIRE(reqs.size() == 2);
  const auto& post = reqs[0];
  CHECK(post.method == "POST");
  CHECK(post.header("Content-Type") == "application/json; charset=utf-8");
  const auto body = parse(post.body);
  CHECK(str(body["channel"]) == "C1");
  CHECK(str(body["text"]) == "hello");
  CHECK(str(body["blocks"][0]["text"]["text"]) == "*hello*");
  CHECK(str(body["thread_ts"]) == "1700000000.000100");
  CHECK(str(body["metadata"]["event_payload"]["key"]) == "r/1/0");

  const auto& get = reqs[1];
  CHECK(get.method == "GET");
  CHECK(get.path() == "/api/users.lookupByEmail");
  CHECK(get.query() == "email=a%2Bb%40example.com");
  CHECK(get.body.empty());
  CHECK_FALSE(get.header("Content-Type"));
}

TEST_CASE("users.info and conversations.replies are GET requests with their arguments in the query") {
  web_api_fixture f;
  f.script = [](const recorded_request& r) {
    if (r.path() == "/api/users.info")
      return ok_json(
          R"({"ok":true,"user":{"id":"U9","name":"ada","real_name":"Ada L","tz":"America/Los_Angeles","tz_offset":-25200,"is_bot":false,"deleted":true,"profile":{"email":"ada@example.com"}}})");
    return ok_json(R"({"ok":true,"messages":[
        {"type":"message","user":"U1","text":"please release","ts":"100.000001","thread_ts":"100.000001"},
        {"type":"message","bot_id":"B1","text":"on it","ts":"100.000002","thread_ts":"100.000001",
         "metadata":{"event_type":"tugboat_outbox","event_payload":{"key":"run-1/ack/0","n":3}}}],
        "has_more":true,"response_metadata":{"next_cursor":"bmV4dA=="}})");
  };
  f.run([&]() -> awaitable<void> {
    const auto user = co_await f.api.users_info(user_id{"U9"});
    CHECK(user.id == user_id{"U9"});
    CHECK(user.name == "ada");
    CHECK(user.real_name == "Ada L");
    CHECK(user.email == "ada@example.com");
    CHECK(user.tz == "America/Los_Angeles");
    CHECK(user.tz_offset == -25200);
    CHECK_FALSE(user.is_bot);
    CHECK(user.deleted);

    const auto page =
        co_await f.api.conversations_replies(channel_id{"C1"}, message_ts{"100.000001"}, "abc", 50);
    REQUIRE(page.messages.size() == 2);
    CHECK(page.messages[0].user == user_id{"U1"});
    CHECK(page.messages[0].metadata_event_type.empty());
    CHECK(page.messages[1].bot == bot_id{"B1"});
    CHECK(page.messages[1].thread_ts == message_ts{"100.000001"});
    CHECK(page.messages[1].metadata_event_type == "tugboat_outbox");
    REQUIRE(page.messages[1].metadata_payload.size() == 1);  // string values only
    CHECK(page.messages[1].metadata_payload[0].second == "run-1/ack/0");
    CHECK(page.messages[1].metadata_payload_json == R"({"key":"run-1/ack/0","n":3})");
    CHECK(page.next_cursor == "bmV4dA==");
  }());
  const auto& reqs = f.server.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].method == "GET");
  CHECK(reqs[0].query() == "user=U9");
  CHECK(reqs[1].method == "GET");
  CHECK(reqs[1].query() == "channel=C1&ts=100.000001&cursor=abc&limit=50&include_all_metadata=true");
}

TEST_CASE("auth.test reports the bot's identity and the scopes from the x-oauth-scopes header") {
  web_api_fixture f;
  f.script = [](const recorded_request&) {
    auto r = ok_json(
        R"({"ok":true,"url":"https://acme.slack.com/","team":"Acme","user":"tugboat","team_id":"T1","user_id":"UBOT","bot_id":"BBOT"})");
    r.headers.push_back({"x-oauth-scopes", "chat:write, users:read,users:read.email"});
    return r;
  };
  f.run([&]() -> awaitable<void> {
    const auto info = co_await f.api.auth_test();
    CHECK(info.user == user_id{"UBOT"});
    CHECK(info.bot == bot_id{"BBOT"});
    CHECK(info.team == team_id{"T1"});
    CHECK(info.team_name == "Acme");
    CHECK(info.url == "https://acme.slack.com/");
    CHECK(info.scopes == std::vector<std::string>{"chat:write", "users:read", "users:read.email"});
  }());
}

TEST_CASE("chat.update, chat.postEphemeral, conversations.open and reactions.add send what Slack expects") {
  web_api_fixture f;
  f.script = [](const recorded_request& r) {
    if (r.path() == "/api/chat.postEphemeral") return ok_json(R"({"ok":true,"message_ts":"5.000001"})");
    if (r.path() == "/api/conversations.open") return ok_json(R"({"ok":true,"channel":{"id":"D42"}})");
    if (r.path() == "/api/reactions.add") return slack_error("already_reacted");
    return ok_json(R"({"ok":true,"channel":"C1","ts":"1.000001","text":"x"})");
  };
  f.run([&]() -> awaitable<void> {
    outgoing_message m;
    m.text = "status: done";
    co_await f.api.update_message(channel_id{"C1"}, message_ts{"1.000001"}, m);
    const auto ts = co_await f.api.post_ephemeral(channel_id{"C1"}, user_id{"U2"}, m);
    CHECK(ts == message_ts{"5.000001"});
    CHECK(co_await f.api.conversations_open(user_id{"U2"}) == channel_id{"D42"});
    co_await f.api.reactions_add(channel_id{"C1"}, message_ts{"1.000001"},
                                 "white_check_mark");  // already_reacted = fine
  }());
  const auto& reqs = f.server.requests();
  REQUIRE(reqs.size() == 4);
  const auto update = parse(reqs[0].body);
  CHECK(str(update["ts"]) == "1.000001");
  CHECK(update["blocks"].IsArray());  // an update always says what the blocks are (none: clear them)
  CHECK(update["blocks"].Size() == 0);
  CHECK(str(parse(reqs[1].body)["user"]) == "U2");
  CHECK(str(parse(reqs[2].body)["users"]) == "U2");
  const auto reaction = parse(reqs[3].body);
  CHECK(str(reaction["timestamp"]) == "1.000001");
  CHECK(str(reaction["name"]) == "white_check_mark");
}

TEST_CASE("users.lookupByEmail answers nothing rather than an error when nobody has that email") {
  web_api_fixture f;
  f.script = [](const recorded_request&) { return slack_error("users_not_found"); };
  f.run([&]() -> awaitable<void> {
    CHECK_FALSE(co_await f.api.users_lookup_by_email("nobody@example.com"));
  }());
}

TEST_CASE("keep-alive carries many calls over one connection") {
  web_api_fixture f;
  f.run([&]() -> awaitable<void> {
    for (int i = 0; i < 5; ++i) (void)co_await f.api.call("auth.test");
    outgoing_message m;
    m.channel = channel_id{"C1"};
    m.text = "x";
    f.script = [](const recorded_request&) { return ok_json(R"({"ok":true,"channel":"C1","ts":"1.1"})"); };
    (void)co_await f.api.post_message(m);
  }());
  CHECK(f.server.requests().size() == 6);
  CHECK(f.server.connections_accepted() == 1);
  CHECK(f.http.stats().connections_opened == 1);
  CHECK(f.http.stats().connections_reused == 5);
}

TEST_CASE(
    "a connection the server closed while idle is replaced without the caller noticing, even for a post") {
  web_api_fixture f;
  f.script = [](const recorded_request& r) {
    auto answer = ok_json(R"({"ok":true,"channel":"C1","ts":"1.1"})");
    answer.close_after = r.connection == 1;  // the first connection dies right after its answer
    return answer;
  };
  f.run([&]() -> awaitable<void> {
    (void)co_await f.api.call("auth.test");
    outgoing_message m;
    m.channel = channel_id{"C1"};
    m.text = "x";
    const auto posted = co_await f.api.post_message(m);  // not replayable: must go on a fresh connection
    CHECK(posted.ts == message_ts{"1.1"});
  }());
  CHECK(f.server.requests().size() == 2);  // the post was sent exactly once
  CHECK(f.server.connections_accepted() == 2);
  CHECK(f.http.stats().stale_connections_dropped == 1);
}

TEST_CASE("response warnings are logged") {
  static std::vector<std::string> lines;
  lines.clear();
  tugboat::log::set_sink([](std::string_view line) { lines.emplace_back(line); });
  web_api_fixture f;
  f.script = [](const recorded_request&) {
    return ok_json(
        R"({"ok":true,"warning":"missing_charset","response_metadata":{"warnings":["missing_charset","superfluous_charset"]}})");
  };
  f.run([&]() -> awaitable<void> { (void)co_await f.api.call("auth.test"); }());
  tugboat::log::set_sink(nullptr);
  int missing = 0;
  int superfluous = 0;
  for (const auto& l : lines) {
    if (l.find("auth.test warning: missing_charset") != std::string::npos) ++missing;
    if (l.find("auth.test warning: superfluous_charset") != std::string::npos) ++superfluous;
  }
  CHECK(missing == 1);  // reported in both places, logged once
  CHECK(superfluous == 1);
}

TEST_CASE("posts to one channel are spaced by the rate limiter without real waiting") {
  web_api_fixture f;
  f.script = [](const recorded_request&) { return ok_json(R"({"ok":true,"channel":"C1","ts":"1.1"})"); };
  const auto start = f.clock.now();
  f.run([&]() -> awaitable<void> {
    outgoing_message m;
    m.channel = channel_id{"C1"};
    m.text = "x";
    for (int i = 0; i < 8; ++i) (void)co_await f.api.post_message(m);
  }());
  CHECK(f.server.requests().size() == 8);
  // Default: burst of 4 per channel, then one a second.
  CHECK(f.clock.now() - start == std::chrono::seconds{4});
}
