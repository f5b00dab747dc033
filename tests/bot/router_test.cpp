#include "bot/router.hpp"

#include <doctest/doctest.h>

#include "tests/support/fixtures.hpp"

using namespace tugboat;
using tugboat::testing::fixture;

namespace {

const bot::identity kMe{slack::user_id("U0BOT"), "B0BOT"};

slack::payload payload_of(const std::string& name) {
  auto env = std::get<slack::envelope>(slack::decode_frame(fixture(name)));
  return slack::decode_payload(env.kind, env.payload);
}

slack::message_event mention(std::string text) {
  slack::message_event m;
  m.mention = true;
  m.channel = slack::channel_id("C0001");
  m.user = slack::user_id("U0ALICE");
  m.ts = slack::message_ts("1.1");
  m.text = std::move(text);
  return m;
}

slack::message_event dm(std::string text) {
  slack::message_event m;
  m.channel = slack::channel_id("D0BOB");
  m.channel_type = "im";
  m.user = slack::user_id("U0BOB");
  m.ts = slack::message_ts("2.2");
  m.text = std::move(text);
  return m;
}

}  // namespace

TEST_CASE("please do a release in a channel is a release request answered in its thread") {
  auto r = bot::route(payload_of("slack/envelope_app_mention.json"), kMe);
  CHECK(r.what == bot::intent::release);
  CHECK(r.args.empty());
  CHECK(r.user == slack::user_id("U0ALICE"));
  CHECK(r.channel == slack::channel_id("C0001"));
  CHECK(r.thread == slack::message_ts("1700000100.000200"));
  CHECK_FALSE(r.dm);
}

TEST_CASE("commands read the same with or without politeness and punctuation") {
  CHECK(bot::route(mention("<@U0BOT> release 1.4.0"), kMe).args == "1.4.0");
  CHECK(bot::route(mention("<@U0BOT> release 1.4.0"), kMe).what == bot::intent::release);
  CHECK(bot::route(mention("<@U0BOT>: Help?"), kMe).what == bot::intent::help);
  CHECK(bot::route(mention("<@U0BOT> can you do a release please"), kMe).what == bot::intent::release);
  CHECK(bot::route(mention("<@U0BOT> status"), kMe).what == bot::intent::status);
  CHECK(bot::route(mention("<@U0BOT> cancel QF-12"), kMe).args == "QF-12");
  CHECK(bot::route(mention("<@U0BOT> recheck"), kMe).what == bot::intent::recheck);
  CHECK(bot::route(mention("<@U0BOT>"), kMe).what == bot::intent::help);
}

TEST_CASE("unknown text in a channel is unknown, in a DM it is a quick fix") {
  auto c = bot::route(mention("<@U0BOT> make me a sandwich"), kMe);
  CHECK(c.what == bot::intent::unknown);
  auto d = bot::route(payload_of("slack/envelope_dm_retry.json"), kMe);
  CHECK(d.what == bot::intent::quickfix);
  CHECK(d.text == "fix the typo in the install docs");
  CHECK(d.dm);
  CHECK(d.thread == slack::message_ts("1700000200.000100"));
  // A sentence that merely starts with a command word is a request, not the command.
  CHECK(bot::route(dm("release notes mention the wrong version"), kMe).what == bot::intent::quickfix);
  CHECK(bot::route(dm("help"), kMe).what == bot::intent::help);
}

TEST_CASE("the bot's own messages, other bots, edits and deletions are ignored") {
  CHECK(bot::route(payload_of("slack/envelope_bot_message.json"), kMe).what == bot::intent::ignore);
  auto own = dm("hello");
  own.bot_id = "B0BOT";
  CHECK(bot::route(own, kMe).ignored_because == "our own message");
  auto self_user = dm("hello");
  self_user.user = slack::user_id("U0BOT");
  CHECK(bot::route(self_user, kMe).what == bot::intent::ignore);
  auto edit = dm("hello");
  edit.subtype = "message_changed";
  CHECK(bot::route(edit, kMe).what == bot::intent::ignore);
  auto deleted = dm("");
  deleted.subtype = "message_deleted";
  CHECK(bot::route(deleted, kMe).what == bot::intent::ignore);
  auto channel_chatter = mention("hello all");
  channel_chatter.mention = false;
  CHECK(bot::route(channel_chatter, kMe).what == bot::intent::ignore);
}

TEST_CASE("slash commands and buttons route with their context") {
  auto s = bot::route(payload_of("slack/envelope_slash.json"), kMe);
  CHECK(s.what == bot::intent::status);
  CHECK(s.slash);
  slack::slash_command odd{"/tugboat", "fix everything now please", slack::user_id("U1"), slack::channel_id("D1"), "", ""};
  CHECK(bot::route(odd, kMe).what == bot::intent::unknown);
  auto b = bot::route(payload_of("slack/envelope_block_actions.json"), kMe);
  CHECK(b.what == bot::intent::button);
  CHECK(b.action_id == "item_fixed");
  CHECK(b.value == "R1:7");
  CHECK(b.thread == slack::message_ts("1700000100.000200"));
}

TEST_CASE("only leading mentions of the bot are stripped") {
  CHECK(bot::strip_mention("<@U0BOT> hi <@U0BOT>", slack::user_id("U0BOT")) == "hi <@U0BOT>");
  CHECK(bot::strip_mention("<@U0ALICE> hi", slack::user_id("U0BOT")) == "<@U0ALICE> hi");
  CHECK(bot::strip_mention("<@U0BOT|tugboat>, help", slack::user_id("U0BOT")) == "help");
}
