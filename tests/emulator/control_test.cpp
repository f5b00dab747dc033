// The control surface over HTTP (/_emulator/…), as a test driving a separate `tugboat` process uses it.
#include <doctest/doctest.h>

#include <thread>

#include "tests/emulator/fixture.hpp"

using namespace tugboat;
using namespace tugboat::test;
using namespace std::chrono_literals;

namespace {

std::string started(slack::emulator& emu) {
  emu.start();
  return emu.base_url() + "_emulator/";
}

struct control_fixture {
  slack::emulator emu{fast_settings()};
  http_client ctl{started(emu)};
  http_client api{emu.api_url()};
  std::string post(const std::string& op, const std::string& json) {
    auto r = ctl.post_json(op, json);
    if (r.status != 200) FAIL_CHECK(op << " answered " << r.status << ": " << r.body);
    return r.body;
  }
  void bot_says(const std::string& channel, const std::string& text) {
    api.post_json("chat.postMessage", R"({"channel":")" + channel + R"(","text":")" + text + R"("})",
                  emu.settings().bot_token);
  }
};

}  // namespace

TEST_CASE("info tells a tool the URLs and tokens") {
  control_fixture f;
  auto r = f.ctl.get("info");
  CHECK(jstr(r.body, "/api_url") == f.emu.api_url());
  CHECK(jstr(r.body, "/app_token") == f.emu.settings().app_token);
  CHECK(jstr(r.body, "/bot_token") == f.emu.settings().bot_token);
  CHECK(jstr(r.body, "/bot_user_id") == "U0BOT");
}

TEST_CASE("mention, dm, message, slash and click over HTTP reach the socket") {
  control_fixture f;
  auto c = open_socket(f.emu);
  auto m = f.post("mention", R"({"user":"alice","channel":"#releases","text":"status"})");
  auto frame = c->next();
  REQUIRE(frame);
  CHECK(jstr(*frame, "/envelope_id") == jstr(m, "/envelope_id"));
  CHECK(jstr(*frame, "/payload/event_id") == jstr(m, "/event_id"));
  CHECK(jstr(*frame, "/payload/event/type") == "app_mention");
  c->ack(*frame);

  auto d = f.post("dm", R"({"user":"U0BOB","text":"please fix the login test"})");
  frame = c->next();
  REQUIRE(frame);
  CHECK(jstr(*frame, "/payload/event/channel_type") == "im");
  CHECK(jstr(*frame, "/payload/event/channel") == jstr(d, "/channel"));
  c->ack(*frame);

  f.post("message", R"({"bot_id":"B0OTHER","channel":"C0002","text":"beep"})");
  frame = c->next();
  REQUIRE(frame);
  CHECK(jstr(*frame, "/payload/event/bot_id") == "B0OTHER");
  c->ack(*frame);

  f.post("slash", R"({"user":"carol","channel":"C0001","text":"help"})");
  frame = c->next();
  REQUIRE(frame);
  CHECK(jstr(*frame, "/type") == "slash_commands");
  c->ack(*frame);

  auto posted = f.api.post_json(
      "chat.postMessage",
      R"({"channel":"C0001","text":"ok?","blocks":[{"type":"actions","elements":[{"type":"button",)"
      R"("text":{"type":"plain_text","text":"Yes"},"action_id":"yes","value":"1"}]}]})",
      f.emu.settings().bot_token);
  f.post("click", R"({"user":"dave","channel":"C0001","message_ts":")" + jstr(posted.body, "/ts") +
                      R"(","action_id":"yes"})");
  frame = c->next();
  REQUIRE(frame);
  CHECK(jstr(*frame, "/payload/actions/0/action_id") == "yes");

  auto bad = f.ctl.post_json("mention", R"({"user":"nobody","channel":"C0001","text":"x"})");
  CHECK(bad.status == 400);
  CHECK(jstr(bad.body, "/error").find("nobody") != std::string::npos);
  CHECK(f.ctl.post_json("nonsense", "{}").status == 400);
}

TEST_CASE("messages lists what the bot posted, filtered by channel and since_ts") {
  control_fixture f;
  f.bot_says("C0001", "one");
  f.bot_says("C0002", "two");
  f.bot_says("C0001", "three");
  auto all = f.ctl.get("messages");
  CHECK(jsize(all.body, "/messages") == 3);
  auto releases = f.ctl.get("messages?channel=C0001");
  REQUIRE(jsize(releases.body, "/messages") == 2);
  auto first_ts = jstr(releases.body, "/messages/0/ts");
  auto later = f.ctl.get("messages?channel=%23releases&since_ts=" + first_ts);
  REQUIRE(jsize(later.body, "/messages") == 1);
  CHECK(jstr(later.body, "/messages/0/text") == "three");
  CHECK(jstr(later.body, "/messages/0/user") == "U0BOT");
}

TEST_CASE("wait long-polls until enough messages arrive, or answers timeout") {
  control_fixture f;
  std::thread poster([&] {
    // The poster runs on its own thread; the wait below must see its post without polling.
    http_client api(f.emu.api_url());
    for (int i = 0; i < 2; ++i) {
      api.post_json("chat.postMessage", R"({"channel":"C0002","text":"late"})", f.emu.settings().bot_token);
    }
  });
  auto r = f.ctl.get("wait?count=2&channel=C0002&timeout_ms=5000");
  poster.join();
  CHECK(jbool(r.body, "/ok"));
  CHECK(jsize(r.body, "/messages") == 2);
  auto t = f.ctl.get("wait?count=5&channel=C0002&timeout_ms=100");
  CHECK_FALSE(jbool(t.body, "/ok"));
  CHECK(jstr(t.body, "/error") == "timeout");
  CHECK(jsize(t.body, "/messages") == 2);
}

TEST_CASE("wait can also wait for sockets to be open") {
  control_fixture f;
  std::unique_ptr<socket_conn> c;
  std::thread opener([&] { c = open_socket(f.emu); });
  auto r = f.ctl.get("wait?connections=1&count=0&timeout_ms=5000");
  opener.join();
  CHECK(jbool(r.body, "/ok"));
}

TEST_CASE("faults over HTTP: method 429, disconnect, malformed frame, clear") {
  control_fixture f;
  f.post("fault", R"({"kind":"ratelimited","method":"chat.postMessage","retry_after":3,"count":1})");
  auto r =
      f.api.post_json("chat.postMessage", R"({"channel":"C0001","text":"x"})", f.emu.settings().bot_token);
  CHECK(r.status == 429);
  CHECK(r.header("retry-after") == "3");
  f.post("fault", R"({"kind":"error","method":"auth.test","error":"internal_error","count":-1})");
  CHECK(jstr(f.api.post_json("auth.test", "{}", f.emu.settings().bot_token).body, "/error") ==
        "internal_error");
  CHECK(jstr(f.api.post_json("auth.test", "{}", f.emu.settings().bot_token).body, "/error") ==
        "internal_error");
  f.post("fault", R"({"kind":"clear"})");
  CHECK(jbool(f.api.post_json("auth.test", "{}", f.emu.settings().bot_token).body, "/ok"));

  auto c = open_socket(f.emu);
  f.post("fault", R"({"kind":"malformed"})");
  auto frame = c->ws.read(2s);
  REQUIRE(frame);
  CHECK_THROWS(jhas(frame->data, "/type"));
  f.post("fault", R"({"kind":"disconnect","reason":"link_disabled"})");
  frame = c->ws.read(2s);
  REQUIRE(frame);
  CHECK(jstr(frame->data, "/reason") == "link_disabled");
  CHECK(f.ctl.post_json("fault", R"({"kind":"disconnect","reason":"bored"})").status == 400);
}

TEST_CASE("stats, users, config and reset") {
  control_fixture f;
  auto c = open_socket(f.emu);
  f.post("mention", R"({"user":"alice","channel":"C0001","text":"x"})");
  auto frame = c->next();
  REQUIRE(frame);
  c->ack(*frame);
  CHECK(wait_until([&] { return jint(f.ctl.get("stats").body, "/envelopes_acked") == 1; }));
  auto s = f.ctl.get("stats");
  CHECK(jint(s.body, "/hellos") == 1);
  CHECK(jint(s.body, "/connections_open") == 1);
  CHECK(jint(s.body, "/api_calls/apps.connections.open") == 1);
  CHECK(jint(s.body, "/ack_latency/count") == 1);

  auto id =
      jstr(f.post("users",
                  R"({"name":"gina","email":"gina@example.com","tz":"Australia/Sydney","tz_offset":39600})"),
           "/id");
  auto u = f.api.get("users.lookupByEmail?email=gina%40example.com", f.emu.settings().bot_token);
  CHECK(jstr(u.body, "/user/id") == id);
  CHECK(jint(u.body, "/user/tz_offset") == 39600);

  f.post("config", R"({"rate_limits":false,"ack_timeout_ms":1000})");
  f.bot_says("C0001", "x");
  f.post("reset", "{}");
  CHECK(jsize(f.ctl.get("messages").body, "/messages") == 0);
  CHECK(jint(f.ctl.get("stats").body, "/envelopes_acked") == 0);
}

TEST_CASE("flood over HTTP waits for every ack and reports the latency figures") {
  control_fixture f;
  f.post("config", R"({"ack_timeout_ms":30000})");  // no redeliveries while this slow client acks
  auto c = open_socket(f.emu);
  std::thread bot([&] {
    // A minimal bot: ack everything until the flood is done.
    for (int n = 0; n < 300; ++n) {
      auto frame = c->next(5s);
      if (!frame) break;
      c->ack(*frame);
    }
  });
  auto r = f.ctl.post_json("flood", R"({"count":300,"per_second":0,"wait":true,"timeout_ms":20000})");
  bot.join();
  CHECK(jbool(r.body, "/finished"));
  CHECK(jint(r.body, "/acked") == 300);
  CHECK(jint(r.body, "/ack_latency/count") == 300);
  CHECK(jint(r.body, "/elapsed_us") > 0);
}
