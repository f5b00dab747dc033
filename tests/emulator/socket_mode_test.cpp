// Socket Mode as the bot sees it: handshake, hello, envelopes, acks, redelivery, tickets, disconnects.
#include <doctest/doctest.h>

#include <mutex>
#include <set>

#include "tests/emulator/fixture.hpp"

using namespace tugboat;
using namespace tugboat::test;
using namespace std::chrono_literals;

TEST_CASE("apps.connections.open hands out a ws:// URL with a ticket and the app id") {
  slack::emulator emu(fast_settings());
  emu.start();
  http_client api(emu.api_url());
  auto url = open_socket_url(emu, api);
  CHECK(url.starts_with("ws://127.0.0.1:" + std::to_string(emu.port()) + "/link/?ticket="));
  CHECK(url.find("&app_id=A0TUGBOAT") != std::string::npos);
}

TEST_CASE("apps.connections.open answers Slack's errors for missing, wrong and bot tokens") {
  slack::emulator emu(fast_settings());
  emu.start();
  http_client api(emu.api_url());
  auto r = api.request("POST", "apps.connections.open");
  CHECK(r.status == 200);
  CHECK(r.body == R"({"ok":false,"error":"not_authed"})");
  r = api.request("POST", "apps.connections.open", {}, {{"Authorization", "Bearer xapp-1-wrong"}});
  CHECK(jstr(r.body, "/error") == "invalid_auth");
  r = api.request("POST", "apps.connections.open", {},
                  {{"Authorization", "Bearer " + emu.settings().bot_token}});
  CHECK(jstr(r.body, "/error") == "not_allowed_token_type");
}

TEST_CASE("the socket says hello with Slack's fields") {
  slack::emulator emu(fast_settings());
  emu.start();
  auto c = open_socket(emu);
  CHECK(jstr(c->hello, "/type") == "hello");
  CHECK(jint(c->hello, "/num_connections") == 1);
  CHECK(jint(c->hello, "/debug_info/approximate_connection_time") == 18060);
  CHECK(jstr(c->hello, "/debug_info/host").starts_with("applink-"));
  CHECK(jstr(c->hello, "/connection_info/app_id") == "A0TUGBOAT");
  auto second = open_socket(emu);
  CHECK(jint(second->hello, "/num_connections") == 2);
  CHECK(emu.stats().hellos == 2);
}

TEST_CASE("a ticket works once") {
  slack::emulator emu(fast_settings());
  emu.start();
  http_client api(emu.api_url());
  auto url = open_socket_url(emu, api);
  ws_client first;
  first.connect(url);
  CHECK(first.read(2s).has_value());
  ws_client again;
  CHECK_THROWS_WITH_AS(again.connect(url), doctest::Contains("401"), std::runtime_error);
  ws_client forged;
  CHECK_THROWS_AS(forged.connect("ws://127.0.0.1:" + std::to_string(emu.port()) + "/link/?ticket=nope"),
                  std::runtime_error);
  CHECK(emu.stats().tickets_rejected == 2);
}

TEST_CASE("a mention arrives as an events_api envelope with the full event_callback payload") {
  slack::emulator emu(fast_settings());
  emu.start();
  auto c = open_socket(emu);
  auto pushed = emu.mention("alice", "#releases", "help");
  auto f = c->next();
  REQUIRE(f);
  CHECK(jstr(*f, "/type") == "events_api");
  CHECK(jstr(*f, "/envelope_id") == pushed.envelope_id);
  CHECK(jbool(*f, "/accepts_response_payload") == false);
  CHECK(jint(*f, "/retry_attempt") == 0);
  CHECK(jstr(*f, "/retry_reason").empty());
  CHECK(jhas(*f, "/retry_reason"));
  CHECK(jstr(*f, "/payload/type") == "event_callback");
  CHECK(jstr(*f, "/payload/team_id") == "T0001");
  CHECK(jstr(*f, "/payload/api_app_id") == "A0TUGBOAT");
  CHECK(jstr(*f, "/payload/event_id") == pushed.event_id);
  CHECK(jint(*f, "/payload/event_time") > 1'700'000'000);
  CHECK(jstr(*f, "/payload/authorizations/0/user_id") == "U0BOT");
  CHECK(jbool(*f, "/payload/authorizations/0/is_bot"));
  CHECK(jstr(*f, "/payload/event/type") == "app_mention");
  CHECK(jstr(*f, "/payload/event/user") == "U0ALICE");
  CHECK(jstr(*f, "/payload/event/channel") == "C0001");
  CHECK(jstr(*f, "/payload/event/text") == "<@U0BOT> help");
  CHECK(jstr(*f, "/payload/event/ts") == pushed.ts);
  CHECK(jstr(*f, "/payload/event/event_ts") == pushed.ts);
  CHECK(jstr(*f, "/payload/event/blocks/0/type") == "rich_text");
  c->ack(*f);
  // The ack is read on the emulator's thread; wait for it to be counted.
  CHECK(wait_until([&] { return emu.stats().envelopes_acked == 1; }));
  auto s = emu.stats();
  CHECK(s.envelopes_acked == 1);
  CHECK(s.envelopes_unacked == 0);
  CHECK(s.ack_latency_us.size() == 1);
  CHECK(s.ack_latency().p50_us > 0);
}

TEST_CASE("a DM arrives as a message event with channel_type im, thread replies carry thread_ts") {
  slack::emulator emu(fast_settings());
  emu.start();
  auto c = open_socket(emu);
  auto first = emu.dm("bob", "fix the flaky test");
  auto f = c->next();
  REQUIRE(f);
  CHECK(jstr(*f, "/payload/event/type") == "message");
  CHECK(jstr(*f, "/payload/event/channel_type") == "im");
  CHECK(jstr(*f, "/payload/event/channel").starts_with("D"));
  CHECK(jstr(*f, "/payload/event/channel") == emu.dm_channel("U0BOB"));
  CHECK_FALSE(jhas(*f, "/payload/event/subtype"));
  c->ack(*f);
  emu.dm("bob", "and quickly", first.ts);
  f = c->next();
  REQUIRE(f);
  CHECK(jstr(*f, "/payload/event/thread_ts") == first.ts);
}

TEST_CASE("bot messages and edits have the shapes a bot must ignore") {
  slack::emulator emu(fast_settings());
  emu.start();
  auto c = open_socket(emu);
  emu.bot_message("B0OTHER", "C0002", "deploy finished");
  auto f = c->next();
  REQUIRE(f);
  CHECK(jstr(*f, "/payload/event/bot_id") == "B0OTHER");
  CHECK(jhas(*f, "/payload/event/bot_profile"));
  CHECK_FALSE(jhas(*f, "/payload/event/subtype"));
  emu.bot_message("B0OLD", "C0002", "classic", true);
  f = c->next();
  REQUIRE(f);
  CHECK(jstr(*f, "/payload/event/subtype") == "bot_message");
  auto original = emu.channel_message("carol", "C0002", "helo");
  CHECK(c->next());
  emu.edit_message("C0002", original.ts, "hello");
  f = c->next();
  REQUIRE(f);
  CHECK(jstr(*f, "/payload/event/subtype") == "message_changed");
  CHECK(jbool(*f, "/payload/event/hidden"));
  CHECK(jstr(*f, "/payload/event/message/text") == "hello");
  CHECK(jstr(*f, "/payload/event/message/ts") == original.ts);
  CHECK(jstr(*f, "/payload/event/previous_message/text") == "helo");
}

TEST_CASE("a slash command arrives as slash_commands with the form fields, and an ack may carry a payload") {
  slack::emulator emu(fast_settings());
  emu.start();
  auto c = open_socket(emu);
  emu.slash("dave", "C0001", "status");
  auto f = c->next();
  REQUIRE(f);
  CHECK(jstr(*f, "/type") == "slash_commands");
  CHECK(jbool(*f, "/accepts_response_payload"));
  CHECK_FALSE(jhas(*f, "/retry_attempt"));
  CHECK(jstr(*f, "/payload/command") == "/tugboat");
  CHECK(jstr(*f, "/payload/text") == "status");
  CHECK(jstr(*f, "/payload/user_id") == "U0DAVE");
  CHECK(jstr(*f, "/payload/user_name") == "dave");
  CHECK(jstr(*f, "/payload/channel_id") == "C0001");
  CHECK(jstr(*f, "/payload/channel_name") == "releases");
  CHECK(jstr(*f, "/payload/team_domain") == "tugboat-dev");
  CHECK(jstr(*f, "/payload/response_url").find("/hooks/commands/") != std::string::npos);
  CHECK_FALSE(jstr(*f, "/payload/trigger_id").empty());
  c->ack(*f, R"({"text":"working on it"})");
  CHECK(wait_until([&] { return emu.stats().envelopes_acked == 1; }));
  CHECK(emu.stats().envelopes_acked == 1);
}

TEST_CASE("a button click arrives as block_actions with the clicked message and action") {
  slack::emulator emu(fast_settings());
  emu.start();
  http_client api(emu.api_url());
  auto posted = api.post_json(
      "chat.postMessage",
      R"({"channel":"C0001","text":"Approve?","blocks":[{"type":"actions","block_id":"approve",)"
      R"("elements":[{"type":"button","text":{"type":"plain_text","text":"Approve"},)"
      R"("action_id":"release.approve","value":"run-7","style":"primary"}]}]})",
      emu.settings().bot_token);
  auto ts = jstr(posted.body, "/ts");
  REQUIRE_FALSE(ts.empty());
  auto c = open_socket(emu);
  emu.click("erin", "C0001", ts, "release.approve");
  auto f = c->next();
  REQUIRE(f);
  CHECK(jstr(*f, "/type") == "interactive");
  CHECK(jbool(*f, "/accepts_response_payload"));
  CHECK(jstr(*f, "/payload/type") == "block_actions");
  CHECK(jstr(*f, "/payload/user/id") == "U0ERIN");
  CHECK(jstr(*f, "/payload/user/username") == "erin");
  CHECK(jstr(*f, "/payload/user/name") == "erin");
  CHECK(jstr(*f, "/payload/user/team_id") == "T0001");
  CHECK(jstr(*f, "/payload/channel/id") == "C0001");
  CHECK(jstr(*f, "/payload/container/type") == "message");
  CHECK(jstr(*f, "/payload/container/message_ts") == ts);
  CHECK(jstr(*f, "/payload/container/channel_id") == "C0001");
  CHECK(jstr(*f, "/payload/message/ts") == ts);
  CHECK(jstr(*f, "/payload/message/blocks/0/block_id") == "approve");
  CHECK(jstr(*f, "/payload/actions/0/action_id") == "release.approve");
  CHECK(jstr(*f, "/payload/actions/0/block_id") == "approve");
  CHECK(jstr(*f, "/payload/actions/0/value") == "run-7");
  CHECK(jstr(*f, "/payload/actions/0/type") == "button");
  CHECK(jstr(*f, "/payload/actions/0/text/text") == "Approve");
  CHECK_FALSE(jstr(*f, "/payload/actions/0/action_ts").empty());
  CHECK_FALSE(jstr(*f, "/payload/response_url").empty());
  CHECK_FALSE(jstr(*f, "/payload/trigger_id").empty());
  CHECK_THROWS_AS(emu.click("erin", "C0001", ts, "no.such.button"), std::invalid_argument);
}

TEST_CASE(
    "an unacked event is redelivered with a new envelope_id, the same event_id and retry_attempt 1..3") {
  slack::emulator emu(fast_settings(200ms));
  emu.start();
  auto c = open_socket(emu);
  auto pushed = emu.mention("alice", "C0001", "status");
  std::set<std::string> envelopes;
  for (int attempt = 0; attempt <= 3; ++attempt) {
    auto f = c->next(3s);
    REQUIRE(f);
    CHECK(jstr(*f, "/payload/event_id") == pushed.event_id);
    CHECK(jint(*f, "/retry_attempt") == attempt);
    CHECK(jstr(*f, "/retry_reason") == (attempt == 0 ? "" : "timeout"));
    envelopes.insert(jstr(*f, "/envelope_id"));
  }
  CHECK(envelopes.size() == 4);
  // After the third retry Slack gives up.
  CHECK_FALSE(c->next(600ms));
  auto s = emu.stats();
  CHECK(s.envelopes_redelivered == 3);
  CHECK(s.envelopes_given_up == 1);
}

TEST_CASE("an acked event is not redelivered, and a late ack counts as unknown") {
  slack::emulator emu(fast_settings(300ms));
  emu.start();
  auto c = open_socket(emu);
  emu.mention("alice", "C0001", "one");
  auto f = c->next();
  REQUIRE(f);
  c->ack(*f);
  CHECK_FALSE(c->next(900ms));  // three ack timeouts
  c->ack(*f);
  CHECK(wait_until([&] { return emu.stats().acks_unknown == 1; }));
  CHECK(emu.stats().acks_unknown == 1);
  CHECK(emu.stats().envelopes_redelivered == 0);
}

TEST_CASE("slash commands are not redelivered when unacked") {
  slack::emulator emu(fast_settings(200ms));
  emu.start();
  auto c = open_socket(emu);
  emu.slash("alice", "C0001", "help");
  CHECK(c->next());
  CHECK_FALSE(c->next(600ms));
}

TEST_CASE("events pushed while no socket is open wait and go out after hello") {
  slack::emulator emu(fast_settings());
  emu.start();
  auto a = emu.mention("alice", "C0001", "first");
  auto b = emu.dm("bob", "second");
  CHECK(emu.stats().envelopes_queued == 2);
  auto c = open_socket(emu);
  auto f1 = c->next();
  auto f2 = c->next();
  REQUIRE(f1);
  REQUIRE(f2);
  CHECK(jstr(*f1, "/envelope_id") == a.envelope_id);
  CHECK(jstr(*f1, "/payload/event_id") == a.event_id);
  CHECK(jstr(*f2, "/payload/event_id") == b.event_id);
}

TEST_CASE("each payload goes to exactly one of two sockets, round robin") {
  auto s = fast_settings();
  s.ack_timeout = std::chrono::seconds(10);  // the sockets are read one after the other
  slack::emulator emu(s);
  emu.start();
  auto c1 = open_socket(emu);
  auto c2 = open_socket(emu);
  for (int i = 0; i < 6; ++i) emu.mention("alice", "C0001", "n" + std::to_string(i));
  int got1 = 0;
  int got2 = 0;
  while (auto f = c1->next(300ms)) {
    c1->ack(*f);
    ++got1;
  }
  while (auto f = c2->next(300ms)) {
    c2->ack(*f);
    ++got2;
  }
  CHECK(got1 == 3);
  CHECK(got2 == 3);
}

TEST_CASE("refresh_requested is sent as Slack's disconnect frame and the socket closes after the grace") {
  slack::emulator emu(fast_settings());
  emu.start();
  auto c = open_socket(emu);
  emu.send_disconnect(slack::disconnect_reason::refresh_requested);
  auto f = c->next();
  REQUIRE(f);
  CHECK(jstr(*f, "/type") == "disconnect");
  CHECK(jstr(*f, "/reason") == "refresh_requested");
  CHECK(jstr(*f, "/debug_info/host").starts_with("applink-"));
  CHECK_FALSE(jhas(*f, "/envelope_id"));
  CHECK_THROWS_AS(c->next(2s), std::runtime_error);
  CHECK(c->ws.closed());
  CHECK(emu.wait_for_connections(0, 1s));
}

TEST_CASE("after refresh_requested new events go to the other socket") {
  auto s = fast_settings();
  s.refresh_grace = std::chrono::seconds(5);
  slack::emulator slow(s);
  slow.start();
  auto old_socket = open_socket(slow);
  auto new_socket = open_socket(slow);
  slow.send_disconnect(slack::disconnect_reason::warning, 0);
  auto f = old_socket->next();
  REQUIRE(f);
  CHECK(jstr(*f, "/reason") == "warning");
  for (int i = 0; i < 4; ++i) slow.mention("alice", "C0001", "x");
  int on_new = 0;
  while (auto e = new_socket->next(300ms)) {
    new_socket->ack(*e);
    ++on_new;
  }
  CHECK(on_new == 4);
  CHECK_FALSE(old_socket->next(100ms));
}

TEST_CASE("an eleventh socket is told too_many_websockets and closed") {
  slack::emulator emu(fast_settings());
  emu.start();
  std::vector<std::unique_ptr<socket_conn>> sockets;
  for (int i = 0; i < 10; ++i) sockets.push_back(open_socket(emu));
  auto extra = open_socket(emu);  // its first frame is the disconnect, not hello
  CHECK(jstr(extra->hello, "/type") == "disconnect");
  CHECK(jstr(extra->hello, "/reason") == "too_many_websockets");
  CHECK_THROWS_AS(extra->next(2s), std::runtime_error);
  CHECK(emu.open_connections() == 10);
}

TEST_CASE("dropping connections closes the TCP stream without a close frame, and unacked events come back") {
  slack::emulator emu(fast_settings(200ms));
  emu.start();
  auto c = open_socket(emu);
  auto pushed = emu.mention("alice", "C0001", "lost");
  CHECK(c->next());
  emu.drop_connections();
  CHECK_THROWS_AS(c->next(2s), std::runtime_error);
  CHECK(c->ws.close_reason() != "The WebSocket stream was gracefully closed at both endpoints");
  auto again = open_socket(emu);
  auto f = again->next(3s);
  REQUIRE(f);
  CHECK(jstr(*f, "/payload/event_id") == pushed.event_id);
  CHECK(jint(*f, "/retry_attempt") == 1);
}

TEST_CASE("malformed and binary frames can be injected") {
  slack::emulator emu(fast_settings());
  emu.start();
  auto c = open_socket(emu);
  emu.send_malformed_frame();
  auto f = c->ws.read(2s);
  REQUIRE(f);
  CHECK_FALSE(f->binary);
  CHECK_THROWS(jhas(f->data, "/type"));
  emu.send_binary_frame();
  f = c->ws.read(2s);
  REQUIRE(f);
  CHECK(f->binary);
}

TEST_CASE("a duplicate envelope repeats the same envelope_id") {
  slack::emulator emu(fast_settings());
  emu.start();
  auto c = open_socket(emu);
  auto pushed = emu.mention("alice", "C0001", "dup");
  auto f = c->next();
  REQUIRE(f);
  CHECK(emu.duplicate_envelope(pushed.envelope_id));
  auto d = c->next();
  REQUIRE(d);
  CHECK(*d == *f);
}

TEST_CASE("a blackholed socket answers nothing, and its events are redelivered to another socket") {
  slack::emulator emu(fast_settings(200ms));
  emu.start();
  auto c1 = open_socket(emu);
  auto c2 = open_socket(emu);
  emu.blackhole(0);
  auto pushed = emu.mention("alice", "C0001", "into the void");  // round robin: socket 0 first
  CHECK_FALSE(c1->next(100ms));
  auto f = c2->next(3s);
  REQUIRE(f);
  CHECK(jstr(*f, "/payload/event_id") == pushed.event_id);
  CHECK(jint(*f, "/retry_attempt") == 1);
  CHECK(emu.open_connections() == 2);  // Slack cannot tell a half-open socket
  c1->ws.close(200ms);
  CHECK(emu.wait_for_connections(1, 1s));
}

TEST_CASE("the flood generator sends ~1.5 KB message envelopes and measures every ack") {
  auto s = fast_settings();
  s.ack_timeout = std::chrono::seconds(30);  // this client acks one by one, slowly under sanitizers
  slack::emulator emu(s);
  emu.start();
  auto c = open_socket(emu);
  slack::flood_options o;
  o.count = 200;
  emu.flood(o);
  std::size_t seen = 0;
  while (seen < 200) {
    auto f = c->next(2s);
    REQUIRE(f);
    if (seen == 0) {
      CHECK(f->size() > 1400);
      CHECK(f->size() < 1600);
      CHECK(jstr(*f, "/payload/event/type") == "message");
    }
    c->ack(*f);
    ++seen;
  }
  auto r = emu.flood_wait(5s);
  CHECK(r.finished);
  CHECK(r.acked == 200);
  CHECK(r.ack_latency_us.size() == 200);
}

TEST_CASE("the emulator pings its sockets like Slack's server does") {
  auto s = fast_settings();
  s.server_ping_interval = 50ms;
  slack::emulator emu(s);
  emu.start();
  auto c = open_socket(emu);
  // Pings are control frames: reading sees (and answers) them without returning a frame.
  CHECK_FALSE(c->next(400ms));
  CHECK(c->ws.pings_received() >= 2);
}

TEST_CASE("subscribers see users' and the bot's messages as they happen") {
  slack::emulator emu(fast_settings());
  emu.start();
  std::mutex mu;
  std::vector<std::string> seen;
  auto id = emu.subscribe([&](const slack::emulated_message& m) {
    std::lock_guard lock(mu);
    seen.push_back(m.user + ":" + m.text);
  });
  emu.mention("alice", "C0001", "help");
  http_client api(emu.api_url());
  api.post_json("chat.postMessage", R"({"channel":"C0001","text":"here is help"})", emu.settings().bot_token);
  auto posted = emu.wait_for_count(1, 2s, "#releases");
  REQUIRE(posted.size() == 1);
  CHECK(posted[0].text == "here is help");
  emu.unsubscribe(id);
  api.post_json("chat.postMessage", R"({"channel":"C0001","text":"unseen"})", emu.settings().bot_token);
  std::lock_guard lock(mu);
  CHECK(seen == std::vector<std::string>{"U0ALICE:<@U0BOT> help", "U0BOT:here is help"});
  CHECK(emu.messages("C0001", false).size() == 3);
}

TEST_CASE("a flood capped at one unacked envelope waits for each ack") {
  auto s = fast_settings(std::chrono::seconds(30));
  slack::emulator emu(s);
  emu.start();
  auto c = open_socket(emu);
  slack::flood_options o;
  o.count = 3;
  o.max_unacked = 1;
  emu.flood(o);
  for (int i = 0; i < 3; ++i) {
    auto f = c->next(2s);
    REQUIRE(f);
    CHECK_FALSE(c->next(100ms));  // nothing more until this one is acked
    c->ack(*f);
  }
  CHECK(emu.flood_wait(2s).finished);
}
