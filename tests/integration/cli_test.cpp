// The commands a person runs first: the demo, the console, check, and their errors.
#include <doctest/doctest.h>

#include <fstream>

#include "tests/integration/bot_fixture.hpp"

using namespace tugboat;
using namespace tugboat::testing;

namespace {
bool contains(const std::string& haystack, std::string_view needle) { return haystack.find(needle) != std::string::npos; }
}  // namespace

TEST_CASE("tugboat demo plays the whole release conversation and exits 0") {
  temp_dir dir;
  child demo({tugboat_binary(), "demo"}, {}, dir.file("out"));
  CHECK(demo.wait(60s) == 0);
  auto out = demo.log();
  CHECK(contains(out, "[#releases] alice: @tugboat help"));
  CHECK(contains(out, "*QF-1* done in"));
  CHECK(contains(out, "fixed: ./docs/install.md"));
  // The release: summary, tags with evidence, a hand-over, reminders, escalation, Release, announcement.
  CHECK(contains(out, "*QA review* for REL-2: 9 tests, 5 passed, 3 failed (3 new, 0 pre-existing), 1 flaky"));
  CHECK(contains(out, "@alice, 2 new failures in REL-2 look like yours:"));
  CHECK(contains(out, "Parse empty headers (src/parser.cpp:12)"));
  CHECK(contains(out, "@bob, 1 new failure in REL-2 looks like yours:"));
  CHECK(contains(out, "NetTest::RetriesOnTimeout — CODEOWNERS: @carol"));
  CHECK(contains(out, "@carol, this was handed to you:"));
  CHECK(contains(out, "@alice, reminder 1 for REL-2"));
  CHECK(contains(out, "@carol, escalating: @alice has been reminded 2 times."));
  CHECK(contains(out, "(only bob sees this): Only the people in `[access] releasers` may press Release."));
  CHECK(contains(out, "tagged v1.3.1 at "));
  CHECK(contains(out, "[#releases] tugboat: :rocket: Release *1.3.1* is out (requested by @dave, REL-2)."));
  CHECK(contains(out, "*Step:* :rocket: released"));
  CHECK(contains(out, "Demo finished"));
}

TEST_CASE("tugboat console takes typed lines as a Slack user and prints the bot's answers") {
  temp_dir dir;
  {
    std::ofstream in(dir.file("in"));
    in << "@tugboat help\n/dm\nstatus\n/as bob\n/tugboat make tea\n/click Missing\n/quit\n";
  }
  child console({tugboat_binary(), "console"}, {}, dir.file("out"), dir.file("in"));
  CHECK(console.wait(30s) == 0);
  auto out = console.log();
  CHECK(contains(out, "[#releases › thread] tugboat: *Tugboat* runs releases"));
  CHECK(contains(out, "[DM alice] tugboat: No runs here or of yours yet."));
  CHECK(contains(out, "(only bob sees this): I don't know how to do \"make tea\""));
  CHECK(contains(out, "(no [Missing] button in DM with tugboat)"));
}

TEST_CASE("tugboat check validates the config and the tokens against Slack") {
  bot_fixture f;
  std::vector<std::pair<std::string, std::string>> env = {{"SLACK_API_URL", f.emu().api_url()},
                                                          {"SLACK_APP_TOKEN", f.emu().settings().app_token},
                                                          {"SLACK_BOT_TOKEN", f.emu().settings().bot_token}};
  child ok({tugboat_binary(), "check", "--config", f.dir().file("tugboat.toml")}, env, f.dir().file("ok"));
  CHECK(ok.wait(20s) == 0);
  CHECK(contains(ok.log(), "bot token: OK"));
  CHECK(contains(ok.log(), "scopes: OK"));
  CHECK(contains(ok.log(), "app token: OK"));

  f.emu().set_scopes({"chat:write", "commands"});
  child missing({tugboat_binary(), "check", "--config", f.dir().file("tugboat.toml")}, env, f.dir().file("missing"));
  CHECK(missing.wait(20s) == 1);
  CHECK(contains(missing.log(), "scopes: MISSING app_mentions:read, im:history"));

  env[2].second = "xoxb-1111-2222-wrongtoken";
  child refused({tugboat_binary(), "check", "--config", f.dir().file("tugboat.toml")}, env, f.dir().file("refused"));
  CHECK(refused.wait(20s) == 1);
  CHECK(contains(refused.log(), "bot token: FAILED"));
  CHECK_FALSE(contains(refused.log(), "wrongtoken"));
}

TEST_CASE("a bad config is refused with the file, line and key") {
  temp_dir dir;
  {
    std::ofstream cfg(dir.file("bad.toml"));
    cfg << "[store]\npath = \"x.db\"\n[slack]\nconnections = 42\n";
  }
  child bot({tugboat_binary(), "run", "--config", dir.file("bad.toml")},
            {{"SLACK_APP_TOKEN", "xapp-1-A1-2-abcdef"}, {"SLACK_BOT_TOKEN", "xoxb-1234-5678-abcdef"}}, dir.file("out"));
  CHECK(bot.wait(10s) == 2);
  CHECK(contains(bot.log(), "bad.toml:4: slack.connections must be from 1 to 10"));
}
