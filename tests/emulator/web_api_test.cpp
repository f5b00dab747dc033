// The Web API as a client sees it over real HTTP: shapes, errors, metadata, pagination, rate limits,
// injected faults and keep-alive.
#include <doctest/doctest.h>

#include "tests/emulator/fixture.hpp"

using namespace tugboat;
using namespace tugboat::test;
using namespace std::chrono_literals;

namespace {

slack::emulator_settings no_limits() {
  auto s = fast_settings();
  s.rate_limits = false;
  return s;
}

std::string started(slack::emulator& emu) {
  emu.start();
  return emu.api_url();
}

struct api_fixture {
  slack::emulator emu;
  http_client api;
  explicit api_fixture(slack::emulator_settings s = no_limits()) : emu(std::move(s)), api(started(emu)) {}
  http_result call(const std::string& method, const std::string& json) {
    return api.post_json(method, json, emu.settings().bot_token);
  }
};

}  // namespace

TEST_CASE("auth.test names the team, the bot user and the bot id, with the token's scopes in a header") {
  api_fixture f;
  auto r = f.call("auth.test", "{}");
  CHECK(r.status == 200);
  CHECK(jbool(r.body, "/ok"));
  CHECK(jstr(r.body, "/team_id") == "T0001");
  CHECK(jstr(r.body, "/team") == "tugboat-dev");
  CHECK(jstr(r.body, "/user_id") == "U0BOT");
  CHECK(jstr(r.body, "/user") == "tugboat");
  CHECK(jstr(r.body, "/bot_id") == "B0BOT");
  CHECK(r.header("x-oauth-scopes").find("chat:write") != std::string::npos);
}

TEST_CASE("bad tokens get not_authed, invalid_auth and not_allowed_token_type with HTTP 200") {
  api_fixture f;
  auto r = f.api.post_json("auth.test", "{}");
  CHECK(r.status == 200);
  CHECK(r.body == R"({"ok":false,"error":"not_authed"})");
  CHECK(jstr(f.api.post_json("auth.test", "{}", "xoxb-not-ours").body, "/error") == "invalid_auth");
  CHECK(jstr(f.api.post_json("auth.test", "{}", f.emu.settings().app_token).body, "/error") ==
        "not_allowed_token_type");
  // A token inside a JSON body does not count: Slack wants it in the header.
  auto body_token = R"({"token":")" + f.emu.settings().bot_token + R"("})";
  CHECK(jstr(f.api.post_json("auth.test", body_token).body, "/error") == "not_authed");
  // A form body may carry it.
  auto form = f.api.request("POST", "auth.test", "token=" + f.emu.settings().bot_token,
                            {{"Content-Type", "application/x-www-form-urlencoded"}});
  CHECK(jbool(form.body, "/ok"));
}

TEST_CASE("unknown methods and broken JSON answer Slack's errors") {
  api_fixture f;
  CHECK(jstr(f.call("chat.scheduleMessageX", "{}").body, "/error") == "unknown_method");
  CHECK(jstr(f.call("chat.postMessage", "{not json").body, "/error") == "invalid_json");
}

TEST_CASE("chat.postMessage stores text, blocks, thread and metadata and returns channel, ts and message") {
  api_fixture f;
  auto r = f.call(
      "chat.postMessage",
      R"({"channel":"C0001","text":"Release 1.4.0","metadata":{"event_type":"tugboat_outbox",)"
      R"("event_payload":{"key":"run-1/announce/0"}},"blocks":[{"type":"section","text":{"type":"mrkdwn",)"
      R"("text":"*Release*"}},{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text",)"
      R"("text":"Fixed"},"action_id":"item.fixed","value":"42","style":"primary"}]}]})");
  REQUIRE(jbool(r.body, "/ok"));
  auto ts = jstr(r.body, "/ts");
  CHECK(jstr(r.body, "/channel") == "C0001");
  CHECK(jstr(r.body, "/message/ts") == ts);
  CHECK(jstr(r.body, "/message/text") == "Release 1.4.0");
  CHECK(jstr(r.body, "/message/bot_id") == "B0BOT");
  CHECK(jstr(r.body, "/message/user") == "U0BOT");
  CHECK(jstr(r.body, "/message/metadata/event_type") == "tugboat_outbox");
  CHECK_FALSE(jstr(r.body, "/message/blocks/0/block_id").empty());  // Slack fills in block ids

  auto reply =
      f.call("chat.postMessage", R"({"channel":"C0001","text":"owner: bob","thread_ts":")" + ts + R"("})");
  CHECK(jstr(reply.body, "/message/thread_ts") == ts);

  auto posted = f.emu.messages("C0001");
  REQUIRE(posted.size() == 2);
  CHECK(posted[0].ts == ts);
  CHECK(posted[0].metadata_event_type == "tugboat_outbox");
  CHECK(posted[0].metadata_payload_json == R"({"key":"run-1/announce/0"})");
  REQUIRE(posted[0].buttons.size() == 1);
  CHECK(posted[0].buttons[0].text == "Fixed");
  CHECK(posted[0].buttons[0].action_id == "item.fixed");
  CHECK(posted[0].buttons[0].value == "42");
  CHECK(posted[0].buttons[0].style == "primary");
  CHECK(posted[1].thread_ts == ts);
}

TEST_CASE("chat.postMessage errors: channel_not_found, not_in_channel, no_text, invalid_blocks") {
  api_fixture f;
  CHECK(jstr(f.call("chat.postMessage", R"({"channel":"C9999","text":"x"})").body, "/error") ==
        "channel_not_found");
  CHECK(jstr(f.call("chat.postMessage", R"({"text":"x"})").body, "/error") == "channel_not_found");
  CHECK(jstr(f.call("chat.postMessage", R"({"channel":"C0003","text":"x"})").body, "/error") ==
        "not_in_channel");
  CHECK(jstr(f.call("chat.postMessage", R"({"channel":"C0001"})").body, "/error") == "no_text");
  CHECK(jstr(f.call("chat.postMessage", R"({"channel":"C0001","blocks":[{"text":"no type"}]})").body,
             "/error") == "invalid_blocks");
  CHECK(f.emu.messages().empty());
}

TEST_CASE("conversations.replies returns the thread with metadata only when asked, paginated by cursor") {
  api_fixture f;
  auto parent = f.emu.mention("alice", "C0001", "release 1.4.0");
  for (int i = 0; i < 5; ++i) {
    f.call("chat.postMessage",
           R"({"channel":"C0001","thread_ts":")" + parent.ts + R"(","text":"step )" + std::to_string(i) +
               R"(","metadata":{"event_type":"tugboat_outbox","event_payload":{"key":"k)" +
               std::to_string(i) + R"("}}})");
  }
  auto all = f.call("conversations.replies", R"({"channel":"C0001","ts":")" + parent.ts + R"("})");
  REQUIRE(jbool(all.body, "/ok"));
  CHECK(jsize(all.body, "/messages") == 6);
  CHECK(jstr(all.body, "/messages/0/ts") == parent.ts);
  CHECK(jint(all.body, "/messages/0/reply_count") == 5);
  CHECK(jstr(all.body, "/messages/1/thread_ts") == parent.ts);
  CHECK_FALSE(jhas(all.body, "/messages/1/metadata"));
  CHECK_FALSE(jbool(all.body, "/has_more"));

  std::vector<std::string> keys;
  std::string cursor;
  int pages = 0;
  do {
    auto page =
        f.api.get("conversations.replies?channel=C0001&ts=" + parent.ts +
                      "&limit=2&include_all_metadata=true" + (cursor.empty() ? "" : "&cursor=" + cursor),
                  f.emu.settings().bot_token);
    REQUIRE(jbool(page.body, "/ok"));
    for (std::size_t i = 0; i < jsize(page.body, "/messages"); ++i) {
      auto key = jstr(page.body, ("/messages/" + std::to_string(i) + "/metadata/event_payload/key").c_str());
      if (!key.empty()) keys.push_back(key);
    }
    cursor = jstr(page.body, "/response_metadata/next_cursor");
    CHECK(jbool(page.body, "/has_more") == !cursor.empty());
    ++pages;
  } while (!cursor.empty() && pages < 10);
  CHECK(pages == 3);
  CHECK(keys == std::vector<std::string>{"k0", "k1", "k2", "k3", "k4"});

  CHECK(jstr(f.call("conversations.replies", R"({"channel":"C0001","ts":"1.000001"})").body, "/error") ==
        "thread_not_found");
  CHECK(jstr(f.call("conversations.replies",
                    R"({"channel":"C0001","ts":")" + parent.ts + R"(","cursor":"junk"})")
                 .body,
             "/error") == "invalid_cursor");
}

TEST_CASE("conversations.history lists top-level messages newest first") {
  api_fixture f;
  auto a = f.call("chat.postMessage", R"({"channel":"C0002","text":"first"})");
  auto b = f.call("chat.postMessage", R"({"channel":"C0002","text":"second"})");
  f.call("chat.postMessage",
         R"({"channel":"C0002","text":"reply","thread_ts":")" + jstr(a.body, "/ts") + R"("})");
  auto h = f.call("conversations.history", R"({"channel":"C0002"})");
  REQUIRE(jsize(h.body, "/messages") == 2);
  CHECK(jstr(h.body, "/messages/0/ts") == jstr(b.body, "/ts"));
  CHECK(jstr(h.body, "/messages/1/text") == "first");
  CHECK(jint(h.body, "/messages/1/reply_count") == 1);
}

TEST_CASE("chat.update edits in place, chat.postEphemeral and chat.delete keep Slack's shapes") {
  api_fixture f;
  auto posted = f.call("chat.postMessage", R"({"channel":"C0001","text":"QA: running"})");
  auto ts = jstr(posted.body, "/ts");
  auto u = f.call("chat.update", R"({"channel":"C0001","ts":")" + ts + R"(","text":"QA: 3 failures"})");
  CHECK(jbool(u.body, "/ok"));
  CHECK(jstr(u.body, "/ts") == ts);
  CHECK(jstr(u.body, "/text") == "QA: 3 failures");
  auto m = f.emu.messages("C0001");
  REQUIRE(m.size() == 1);
  CHECK(m[0].edited == 1);
  CHECK(m[0].text == "QA: 3 failures");
  CHECK(jstr(f.call("chat.update", R"({"channel":"C0001","ts":"1.2"})").body, "/error") ==
        "message_not_found");
  auto human = f.emu.mention("alice", "C0001", "hi");
  CHECK(jstr(f.call("chat.update", R"({"channel":"C0001","ts":")" + human.ts + R"(","text":"x"})").body,
             "/error") == "cant_update_message");

  auto e = f.call("chat.postEphemeral", R"({"channel":"C0001","user":"U0BOB","text":"only you"})");
  CHECK(jbool(e.body, "/ok"));
  CHECK_FALSE(jstr(e.body, "/message_ts").empty());
  CHECK(f.emu.messages("C0001").back().ephemeral_to == "U0BOB");
  auto dm = f.emu.dm_channel("U0CAROL");
  CHECK(jstr(f.call("chat.postEphemeral", R"({"channel":")" + dm + R"(","user":"U0BOB","text":"x"})").body,
             "/error") == "user_not_in_channel");

  auto d = f.call("chat.delete", R"({"channel":"C0001","ts":")" + ts + R"("})");
  CHECK(jbool(d.body, "/ok"));
  CHECK(f.emu.messages("C0001").front().deleted);
}

TEST_CASE("conversations.open gives the DM channel, users.info and users.lookupByEmail give profiles") {
  api_fixture f;
  auto o = f.call("conversations.open", R"({"users":"U0ALICE"})");
  CHECK(jbool(o.body, "/ok"));
  auto dm = jstr(o.body, "/channel/id");
  CHECK(dm.starts_with("D"));
  CHECK(jstr(f.call("conversations.open", R"({"users":"U0ALICE","return_im":true})").body, "/channel/id") ==
        dm);
  CHECK(jstr(f.call("conversations.open", R"({"users":"U0NOBODY"})").body, "/error") == "user_not_found");
  auto posted = f.call("chat.postMessage", R"({"channel":")" + dm + R"(","text":"your fix is queued"})");
  CHECK(jstr(posted.body, "/channel") == dm);

  auto info = f.api.get("users.info?user=U0BOB", f.emu.settings().bot_token);
  CHECK(jstr(info.body, "/user/id") == "U0BOB");
  CHECK(jstr(info.body, "/user/tz") == "Europe/Berlin");
  CHECK(jint(info.body, "/user/tz_offset") == 3600);
  CHECK(jstr(info.body, "/user/profile/email") == "bob@example.com");
  CHECK(jstr(info.body, "/user/real_name") == "Bob Becker");
  CHECK(jstr(f.api.get("users.info?user=U0NOPE", f.emu.settings().bot_token).body, "/error") ==
        "user_not_found");
  auto by_mail = f.api.get("users.lookupByEmail?email=carol%40example.com", f.emu.settings().bot_token);
  CHECK(jstr(by_mail.body, "/user/id") == "U0CAROL");
  CHECK(jint(by_mail.body, "/user/tz_offset") == 19800);
  CHECK(jstr(f.api.get("users.lookupByEmail?email=x%40y.z", f.emu.settings().bot_token).body, "/error") ==
        "users_not_found");

  auto id = f.emu.add_user(
      {"", "frank", "Frank Fox", "frank@example.com", "Asia/Tokyo", "Japan Standard Time", 32400});
  CHECK(jstr(f.api.get("users.info?user=" + id, f.emu.settings().bot_token).body, "/user/tz") ==
        "Asia/Tokyo");
  CHECK_FALSE(jbool(f.api.get("users.info?user=" + id, f.emu.settings().bot_token).body, "/user/deleted"));

  // A deactivated user: users.info shows it marked deleted; users.lookupByEmail does not find it.
  slack::user_profile gone{"", "gus", "Gus Gone", "gus@example.com"};
  gone.deleted = true;
  auto gone_id = f.emu.add_user(gone);
  CHECK(jbool(f.api.get("users.info?user=" + gone_id, f.emu.settings().bot_token).body, "/user/deleted"));
  CHECK(jstr(f.api.get("users.lookupByEmail?email=gus%40example.com", f.emu.settings().bot_token).body,
             "/error") == "users_not_found");
}

TEST_CASE("reactions.add answers already_reacted the second time") {
  api_fixture f;
  auto m = f.emu.mention("alice", "C0001", "ship it");
  auto body = R"({"channel":"C0001","timestamp":")" + m.ts + R"(","name":"eyes"})";
  CHECK(jbool(f.call("reactions.add", body).body, "/ok"));
  CHECK(jstr(f.call("reactions.add", body).body, "/error") == "already_reacted");
  CHECK(jstr(f.call("reactions.add", R"({"channel":"C0001","timestamp":"1.1","name":"eyes"})").body,
             "/error") == "message_not_found");
}

TEST_CASE("a method without its scope answers missing_scope with needed and provided") {
  api_fixture f;
  f.emu.set_scopes({"chat:write"});
  auto r = f.api.get("users.info?user=U0BOB", f.emu.settings().bot_token);
  CHECK(jstr(r.body, "/error") == "missing_scope");
  CHECK(jstr(r.body, "/needed") == "users:read");
  CHECK(jstr(r.body, "/provided") == "chat:write");
}

TEST_CASE("a method over its tier limit gets HTTP 429 with Retry-After and ratelimited") {
  auto s = fast_settings();
  s.limits.tier3_per_minute = 3;
  api_fixture f(s);
  for (int i = 0; i < 3; ++i) CHECK(f.call("conversations.open", R"({"users":"U0ALICE"})").status == 200);
  auto r = f.call("conversations.open", R"({"users":"U0ALICE"})");
  CHECK(r.status == 429);
  CHECK(jstr(r.body, "/error") == "ratelimited");
  auto retry = std::stoi(r.header("retry-after"));
  CHECK(retry >= 1);
  CHECK(retry <= 60);
  // Other methods are not limited by it.
  CHECK(f.call("auth.test", "{}").status == 200);
  CHECK(f.emu.stats().responses_429 == 1);
  f.emu.set_rate_limits(false);
  CHECK(f.call("conversations.open", R"({"users":"U0ALICE"})").status == 200);
}

TEST_CASE("chat.postMessage allows a short burst per channel, then about one per second") {
  auto s = fast_settings();
  s.limits.post_burst = 3;
  api_fixture f(s);
  for (int i = 0; i < 3; ++i)
    CHECK(f.call("chat.postMessage", R"({"channel":"C0001","text":"x"})").status == 200);
  auto r = f.call("chat.postMessage", R"({"channel":"C0001","text":"x"})");
  CHECK(r.status == 429);
  CHECK(r.header("retry-after") == "1");
  // Another channel has its own budget.
  CHECK(f.call("chat.postMessage", R"({"channel":"C0002","text":"x"})").status == 200);
}

TEST_CASE("injected faults: 429 with Retry-After, 5xx, ok:false and delays, for the next K calls") {
  api_fixture f;
  slack::method_fault limited;
  limited.what = slack::method_fault::kind::ratelimited;
  limited.method = "chat.postMessage";
  limited.retry_after_s = 7;
  limited.count = 2;
  f.emu.inject_fault(limited);
  for (int i = 0; i < 2; ++i) {
    auto r = f.call("chat.postMessage", R"({"channel":"C0001","text":"x"})");
    CHECK(r.status == 429);
    CHECK(r.header("retry-after") == "7");
  }
  CHECK(f.call("chat.postMessage", R"({"channel":"C0001","text":"x"})").status == 200);
  CHECK(f.emu.messages().size() == 1);

  slack::method_fault broken;
  broken.what = slack::method_fault::kind::http_status;
  broken.method = "chat.update";
  broken.http_status = 503;
  f.emu.inject_fault(broken);
  CHECK(f.call("chat.update", "{}").status == 503);

  slack::method_fault failing;
  failing.what = slack::method_fault::kind::error;
  failing.method = "auth.test";
  failing.error = "fatal_error";
  f.emu.inject_fault(failing);
  CHECK(jstr(f.call("auth.test", "{}").body, "/error") == "fatal_error");
  CHECK(jbool(f.call("auth.test", "{}").body, "/ok"));

  slack::method_fault slow;
  slow.what = slack::method_fault::kind::delay;
  slow.method = "users.info";
  slow.delay = 300ms;
  f.emu.inject_fault(slow);
  auto before = std::chrono::steady_clock::now();
  auto r = f.api.get("users.info?user=U0BOB", f.emu.settings().bot_token);
  CHECK(std::chrono::steady_clock::now() - before >= 300ms);
  CHECK(jstr(r.body, "/user/id") == "U0BOB");
}

TEST_CASE("many calls share one kept-alive connection") {
  api_fixture f;
  for (int i = 0; i < 20; ++i) CHECK(f.call("auth.test", "{}").status == 200);
  CHECK(f.api.connects() == 1);
  auto stats = f.emu.stats();
  REQUIRE(stats.api_calls.size() == 1);
  CHECK(stats.api_calls[0].first == "auth.test");
  CHECK(stats.api_calls[0].second == 20);
}

TEST_CASE("a response_url posts ephemerally by default and in the channel when asked") {
  api_fixture f;
  auto c = open_socket(f.emu);
  f.emu.slash("alice", "C0002", "help");
  auto env = c->next();
  REQUIRE(env);
  auto url = jstr(*env, "/payload/response_url");
  http_client hook(url.substr(0, url.find("/hooks/") + 1));
  auto path = url.substr(url.find("/hooks/") + 1);
  CHECK(hook.post_json(path, R"({"text":"only alice sees this"})").status == 200);
  CHECK(hook.post_json(path, R"({"text":"everyone sees this","response_type":"in_channel"})").status == 200);
  auto m = f.emu.messages("C0002");
  REQUIRE(m.size() == 2);
  CHECK(m[0].ephemeral_to == "U0ALICE");
  CHECK(m[1].ephemeral_to.empty());
}

TEST_CASE("form bodies work too, with blocks as a JSON string, as Slack's form encoding has it") {
  api_fixture f;
  auto r = f.api.request("POST", "chat.postMessage",
                         "channel=%23general&text=hi+there&blocks=%5B%7B%22type%22%3A%22divider%22%7D%5D",
                         {{"Content-Type", "application/x-www-form-urlencoded"},
                          {"Authorization", "Bearer " + f.emu.settings().bot_token}});
  REQUIRE(jbool(r.body, "/ok"));
  CHECK(jstr(r.body, "/channel") == "C0002");
  CHECK(jstr(r.body, "/message/text") == "hi there");
  CHECK(jstr(r.body, "/message/blocks/0/type") == "divider");
}

TEST_CASE("apps.connections.open must be a POST") {
  api_fixture f;
  CHECK(jstr(f.api.get("apps.connections.open", f.emu.settings().app_token).body, "/error") ==
        "insecure_request");
}
