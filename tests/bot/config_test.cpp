#include "bot/config.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <string>

#include "tests/support/fixtures.hpp"

using namespace tugboat;

namespace {
std::string error_of(std::string_view text) {
  try {
    bot::parse_config(text, "t.toml", "/etc/tugboat");
  } catch (const bot::config_error& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("only the store path is needed; the rest has defaults") {
  auto c = bot::parse_config("[store]\npath = \"data/tugboat.db\"\n", "t.toml", "/etc/tugboat");
  CHECK(c.store.path == "/etc/tugboat/data/tugboat.db");
  CHECK(c.slack.connections == 2);
  CHECK(c.log.level == log::level::info);
}

TEST_CASE("config errors name the file, the line and the key") {
  CHECK(error_of("[store]\npath = \"x.db\"\n\n[slack]\nconections = 2\n") == "t.toml:5: slack.conections: unknown key");
  CHECK(error_of("[store]\npath = 5\n") == "t.toml:2: store.path must be a string (the database file)");
  CHECK(error_of("[store]\npath = \"x\"\n[slack]\nconnections = 11\n") ==
        "t.toml:4: slack.connections must be from 1 to 10 (Slack allows 10), not 11");
  CHECK(error_of("[store]\npath = \"x\"\n[slack]\nconnections = \"two\"\n") ==
        "t.toml:4: slack.connections must be an integer from 1 to 10");
  CHECK(error_of("[stor]\npath = \"x\"\n").starts_with("t.toml:1: stor: unknown section [stor]"));
  CHECK(error_of("[slack]\nconnections = 2\n") == "t.toml: [store] path is required");
  CHECK(error_of("[store\npath=").starts_with("t.toml:1: "));
  CHECK(error_of("[store]\npath = \"x\"\n[log]\nlevel = \"loud\"\n").find("log.level must be one of") !=
        std::string::npos);
}

TEST_CASE("the example config in the repository is valid") {
  auto c = bot::load_config(tugboat::testing::source_dir() + "/config/tugboat.example.toml");
  CHECK_FALSE(c.store.path.empty());
}

TEST_CASE("tokens come from the environment and a malformed one is named, not printed") {
  ::setenv("SLACK_APP_TOKEN", "xapp-1-A1-2-abcdef0123", 1);
  ::setenv("SLACK_BOT_TOKEN", "not-a-bot-token-123456", 1);
  try {
    bot::read_tokens();
    FAIL("expected an error");
  } catch (const bot::config_error& e) {
    std::string what = e.what();
    CHECK(what.find("SLACK_BOT_TOKEN") != std::string::npos);
    CHECK(what.find("not-a-bot-token") == std::string::npos);
  }
  ::setenv("SLACK_BOT_TOKEN", "xoxb-1234-5678-abcdef", 1);
  auto t = bot::read_tokens();
  CHECK(t.bot == "xoxb-1234-5678-abcdef");
  ::unsetenv("SLACK_APP_TOKEN");
  CHECK_THROWS_AS(bot::read_tokens(), bot::config_error);
}

TEST_CASE("[owners] maps emails and @handles to Slack user IDs, emails case-insensitively") {
  auto c = bot::parse_config(
      "[store]\npath = \"x.db\"\n[owners]\n\"Alice@Example.com\" = \"U0ALICE\"\n\"@Bob\" = \"W0BOB2\"\n"
      "\"@acme/release-team\" = \"U0RELMGR\"\n\"alice@example.com\" = \"U0ALICE\"\n",
      "t.toml", "/etc/tugboat");
  CHECK(c.owners == std::map<std::string, std::string>{
                        {"alice@example.com", "U0ALICE"}, {"@bob", "W0BOB2"}, {"@acme/release-team", "U0RELMGR"}});
  CHECK(bot::parse_config("[store]\npath = \"x.db\"\n", "t.toml").owners.empty());
}

TEST_CASE("a bad [owners] entry is an error naming the file, the line and the key") {
  const std::string head = "[store]\npath = \"x.db\"\n[owners]\n";
  CHECK(error_of(head + "\"a@example.com\" = \"U0A\"\n\"b@example.com\" = \"alice\"\n") ==
        "t.toml:5: owners.b@example.com must be a Slack user ID like \"U024BE7LH\"");
  CHECK(error_of(head + "\"b@example.com\" = \"u0bob\"\n") ==
        "t.toml:4: owners.b@example.com must be a Slack user ID like \"U024BE7LH\"");
  CHECK(error_of(head + "\"b@example.com\" = \"C0001\"\n") ==
        "t.toml:4: owners.b@example.com must be a Slack user ID like \"U024BE7LH\"");
  CHECK(error_of(head + "\"@bob\" = 42\n") == "t.toml:4: owners.@bob must be a Slack user ID like \"U024BE7LH\"");
  CHECK(error_of(head + "\"@bob\" = \"U\"\n") == "t.toml:4: owners.@bob must be a Slack user ID like \"U024BE7LH\"");
  CHECK(error_of(head + "bob = \"U0BOB\"\n") == "t.toml:4: owners.bob: the key must be an email or an @handle");
  CHECK(error_of(head + "\"@\" = \"U0BOB\"\n") == "t.toml:4: owners.@: the key must be an email or an @handle");
  CHECK(error_of(head + "\"Bob@x.org\" = \"U0BOB\"\n\"bob@x.org\" = \"U0OTHER\"\n") ==
        "t.toml:5: owners.bob@x.org: bob@x.org is already mapped to U0BOB (keys match case-insensitively)");
  CHECK(error_of("[store]\npath = \"x.db\"\nowners = 1\n") == "t.toml:3: store.owners: unknown key");
  CHECK(error_of("owners = 1\n[store]\npath = \"x.db\"\n") == "t.toml:1: owners must be a table ([owners])");
}

TEST_CASE("[release] and [reminders] are read and checked") {
  auto c = bot::parse_config(R"(
[store]
path = "t.db"
[access]
releasers = ["U0DAVE"]
[release]
repo = "app"
tag_pattern = "release-*"
qa_junit = "qa/*.xml"
qa_command = ["ci/qa", "{dir}"]
manager = "U0CAROL"
commit_url = "https://git.example.com/c/{sha}"
release_command = ["ci/ship", "{version}"]
recheck_every = "30m"
[reminders]
every = "2h"
working_hours = "08:30-17:00"
working_days = "Sun-Thu"
via = "dm"
escalate_after = 0
)",
                             "t.toml", "/etc/tugboat");
  CHECK(c.release.repo == "/etc/tugboat/app");
  CHECK(c.release.tag_pattern == "release-*");
  CHECK(c.release.qa_junit == std::vector<std::string>{"qa/*.xml"});
  CHECK(c.release.qa_command == std::vector<std::string>{"ci/qa", "{dir}"});
  CHECK(c.release.manager == "U0CAROL");
  CHECK(c.release.release_command.size() == 2);
  CHECK(c.release.recheck_every == std::chrono::seconds{1800});
  CHECK(c.release.reminders.every == std::chrono::seconds{7200});
  CHECK(c.release.reminders.via_dm);
  CHECK(c.release.reminders.escalate_after == 0);
  CHECK(c.release.work_dir == "/etc/tugboat/release-work");
  CHECK(c.access.releasers.contains("U0DAVE"));

  auto error_of = [](const std::string& text) {
    try {
      bot::parse_config("[store]\npath = \"x\"\n" + text, "t.toml");
    } catch (const bot::config_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of("[reminders]\nworking_hours = \"9 to 5\"\n").starts_with("t.toml:4: reminders.working_hours: "));
  CHECK(error_of("[reminders]\nworking_days = \"Funday\"\n").starts_with("t.toml:4: reminders.working_days: "));
  CHECK(error_of("[reminders]\nvia = \"pigeon\"\n").find("must be \"thread\" or \"dm\"") != std::string::npos);
  CHECK(error_of("[release]\nmanager = \"carol\"\n").find("release.manager must list Slack user IDs") != std::string::npos);
  CHECK(error_of("[release]\nrelease_command = \"ship.sh\"\n").find("an argv, no shell") != std::string::npos);
  CHECK(error_of("[release]\ncommit_url = \"git.example.com\"\n").find("http(s) URL") != std::string::npos);
  CHECK(error_of("[release]\nflavour = 1\n").find("release.flavour: unknown key") != std::string::npos);
}
