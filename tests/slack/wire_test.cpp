#include "slack/wire.hpp"
#include "slack/wire_scan.hpp"

#include <doctest/doctest.h>

#include "tests/support/fixtures.hpp"

using namespace tugboat;
using tugboat::testing::fixture;

TEST_CASE("an app_mention envelope decodes with its event id and without the verification token") {
  auto f = slack::decode_frame(fixture("slack/envelope_app_mention.json"));
  const auto* env = std::get_if<slack::envelope>(&f);
  REQUIRE(env);
  CHECK(env->kind == slack::envelope_kind::events_api);
  CHECK(env->envelope_id == "1d3c5b21-3c1c-4b1e-8f3e-6a9c2f7b8d01");
  CHECK(env->event_id == "Ev0001MENTION");
  CHECK(env->dedupe_key() == "Ev0001MENTION");
  CHECK(env->retry_attempt == 0);
  CHECK(env->payload.find("legacyverificationtoken") == std::string::npos);

  auto p = slack::decode_payload(env->kind, env->payload);
  const auto* m = std::get_if<slack::message_event>(&p);
  REQUIRE(m);
  CHECK(m->mention);
  CHECK(m->user == slack::user_id("U0ALICE"));
  CHECK(m->channel == slack::channel_id("C0001"));
  CHECK(m->text == "<@U0BOT> please do a release");
  CHECK(m->reply_thread() == slack::message_ts("1700000100.000200"));
}

TEST_CASE("a redelivered DM keeps retry_attempt and retry_reason") {
  auto f = slack::decode_frame(fixture("slack/envelope_dm_retry.json"));
  const auto& env = std::get<slack::envelope>(f);
  CHECK(env.retry_attempt == 1);
  CHECK(env.retry_reason == "timeout");
  auto p = slack::decode_payload(env.kind, env.payload);
  const auto& m = std::get<slack::message_event>(p);
  CHECK(m.is_dm());
  CHECK_FALSE(m.mention);
}

TEST_CASE("slash commands and button clicks decode into their structs") {
  auto slash = std::get<slack::envelope>(slack::decode_frame(fixture("slack/envelope_slash.json")));
  CHECK(slash.kind == slack::envelope_kind::slash_commands);
  CHECK(slash.accepts_response_payload);
  CHECK(slash.dedupe_key() == "slash-1");
  CHECK(slash.payload.find("legacyverificationtoken") == std::string::npos);
  auto s = std::get<slack::slash_command>(slack::decode_payload(slash.kind, slash.payload));
  CHECK(s.command == "/tugboat");
  CHECK(s.text == "status");
  CHECK(s.user == slack::user_id("U0ALICE"));

  auto click = std::get<slack::envelope>(slack::decode_frame(fixture("slack/envelope_block_actions.json")));
  auto a = std::get<slack::block_action>(slack::decode_payload(click.kind, click.payload));
  CHECK(a.action_id == "item_fixed");
  CHECK(a.value == "R1:7");
  CHECK(a.channel == slack::channel_id("C0001"));
  CHECK(a.message == slack::message_ts("1700000400.000100"));
  CHECK(a.thread_ts == slack::message_ts("1700000100.000200"));
}

TEST_CASE("hello and disconnect frames decode") {
  auto h = slack::decode_frame(
      R"({"type":"hello","num_connections":4,"debug_info":{"host":"applink-7fc4fdbb64-4x5xq","build_number":10,"approximate_connection_time":18060},"connection_info":{"app_id":"A01K58AR4RF"}})");
  const auto& hello = std::get<slack::hello_frame>(h);
  CHECK(hello.num_connections == 4);
  CHECK(hello.approximate_connection_time == 18060);
  CHECK(hello.app_id == "A01K58AR4RF");
  auto d = slack::decode_frame(R"({"type":"disconnect","reason":"refresh_requested","debug_info":{"host":"x"}})");
  CHECK(std::get<slack::disconnect_frame>(d).reason == "refresh_requested");
}

TEST_CASE("malformed frames are reported, keeping the envelope id when there is one") {
  auto bad = slack::decode_frame("{not json");
  CHECK(std::get<slack::malformed_frame>(bad).envelope_id.empty());
  auto no_payload = slack::decode_frame(R"({"type":"events_api","envelope_id":"abc"})");
  CHECK(std::get<slack::malformed_frame>(no_payload).envelope_id == "abc");
  auto no_event_id = slack::decode_frame(R"({"type":"events_api","envelope_id":"abc","payload":{}})");
  CHECK(std::get<slack::malformed_frame>(no_event_id).envelope_id == "abc");
  CHECK(std::holds_alternative<slack::malformed_frame>(slack::decode_frame("[1,2]")));
  CHECK_THROWS_AS(slack::decode_payload(slack::envelope_kind::events_api, "{}"), slack::decode_error);
}

TEST_CASE("an envelope's payload is cut from the frame without the token, wherever the token sits") {
  auto payload_of = [](std::string_view frame) { return std::get<slack::envelope>(slack::decode_frame(frame)).payload; };
  CHECK(payload_of(R"({"type":"events_api","envelope_id":"e","payload":{"token":"t","event_id":"Ev1","x":1}})") ==
        R"({"event_id":"Ev1","x":1})");
  CHECK(payload_of(R"({"type":"events_api","envelope_id":"e","payload":{"event_id":"Ev1", "token" : "t" }})") ==
        R"({"event_id":"Ev1" })");
  CHECK(payload_of(R"({"type":"slash_commands","envelope_id":"e","payload":{"token":"t"}})") == "{}");
  CHECK(payload_of(R"({"type":"slash_commands","envelope_id":"e","payload":{"a":{"token":"kept"},"token":"t"}})") ==
        R"({"a":{"token":"kept"}})");
  // Escapes in the key: the general decoder takes over, with the same result.
  CHECK(payload_of(R"({"type":"slash_commands","envelope_id":"e","payload":{"token":"t","a":1}})") ==
        R"({"a":1})");
}

TEST_CASE("an events_api envelope arrives with its message already decoded for routing") {
  auto env = std::get<slack::envelope>(slack::decode_frame(fixture("slack/envelope_app_mention.json")));
  REQUIRE(env.content);
  const auto& m = std::get<slack::message_event>(*env.content);
  CHECK(m.mention);
  CHECK(m.user == slack::user_id("U0ALICE"));
  CHECK(m.channel == slack::channel_id("C0001"));
  CHECK(m.text == "<@U0BOT> please do a release");  // not a block's "text" deeper down
  CHECK(m.ts == slack::message_ts("1700000100.000200"));

  auto other = std::get<slack::envelope>(slack::decode_frame(
      R"({"type":"events_api","envelope_id":"e","payload":{"event_id":"Ev2","event":{"type":"reaction_added","user":"U1"}}})"));
  REQUIRE(other.content);
  CHECK(std::get<slack::other_payload>(*other.content).what == "event reaction_added");
}

TEST_CASE("acks carry the envelope id and an optional payload") {
  CHECK(slack::encode_ack("abc") == R"({"envelope_id":"abc"})");
  CHECK(slack::encode_ack("a\"b") == R"({"envelope_id":"a\"b"})");
  CHECK(slack::encode_ack("abc", R"({"text":"hi"})") == R"({"envelope_id":"abc","payload":{"text":"hi"}})");
}

TEST_CASE("ordinary envelopes take the one-pass scan, not the general decoder") {
  // The general decoder gives the same results, so only a direct look at the scan shows it is used.
  const std::string mention = fixture("slack/envelope_app_mention.json");
  auto scanned = slack::detail::scan_envelope(mention);
  REQUIRE(scanned);
  const auto& env = std::get<slack::envelope>(*scanned);
  CHECK(env.event_id == "Ev0001MENTION");
  CHECK(env.payload.find("legacyverificationtoken") == std::string::npos);
  REQUIRE(env.content);

  const std::string escaped =
      R"({"type":"events_api","envelope_id":"e2","payload":{"team_id":"T1","token":"t\"x","event":)"
      R"({"type":"message","user":"U1","channel":"C1","text":"say \"hi\"\n caf\u00e9 )" "\xf0\x9f\x9a\xa2" R"(","ts":"1.2"},)"
      R"("event_id":"Ev9"}})";
  auto second = slack::detail::scan_envelope(escaped);
  REQUIRE(second);
  const auto& e2 = std::get<slack::envelope>(*second);
  CHECK(e2.payload == R"({"team_id":"T1","event":{"type":"message","user":"U1","channel":"C1","text":)"
                      R"("say \"hi\"\n caf\u00e9 )" "\xf0\x9f\x9a\xa2" R"(","ts":"1.2"},"event_id":"Ev9"})");
  CHECK(std::get<slack::message_event>(*e2.content).text == "say \"hi\"\n caf\xc3\xa9 \xf0\x9f\x9a\xa2");
}
