// The people resolver against the in-process Slack emulator, over real sockets: [owners], lookups, the
// cache (found, not found, expired, after a restart) and failures that must not be cached.
#include "bot/people.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "slack/emulator/emulator.hpp"
#include "slack/http_client.hpp"
#include "store/database.hpp"
#include "tests/support/async_test.hpp"

using namespace tugboat;
using namespace std::chrono_literals;
using bot::person;

namespace {

using owner_map = std::map<std::string, std::string>;

slack::emulator_settings quiet_emulator() {
  slack::emulator_settings s;
  s.rate_limits = false;
  s.server_ping_interval = 0ms;
  return s;
}

std::string started(slack::emulator& emu) {
  emu.start();
  return emu.api_url();
}

// A resolver over a real web_api client talking to the emulator. Time is a manual clock (the web_api's
// waits advance it and return at once); the database is a file so a test can "restart".
struct people_fixture {
  slack::emulator emu{quiet_emulator()};
  boost::asio::io_context io;
  manual_clock clock;
  test::manual_sleeper sleeper{clock};
  slack::http_client http{io.get_executor(), {.connect_timeout = 2s, .request_timeout = 5s}};
  slack::web_api api{http, sleeper, clock, [this] {
                       slack::web_api_settings s;
                       s.base_url = started(emu);
                       s.bot_token = emu.settings().bot_token;
                       s.app_token = emu.settings().app_token;
                       s.rate_limits_enabled = false;  // only the test moves the clock
                       s.jitter_seed = 7;
                       return s;
                     }()};
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("tugboat-people-test-" + std::to_string(::getpid()) + ".db");
  std::unique_ptr<store::database> db;
  std::unique_ptr<store::people> cache;
  std::map<std::string, std::string> owners;
  std::unique_ptr<bot::people_resolver> resolver;

  explicit people_fixture(owner_map owners_map = {}) : owners(std::move(owners_map)) {
    remove_files();
    restart();
  }
  ~people_fixture() {
    resolver.reset();
    cache.reset();
    db.reset();
    remove_files();
  }
  void remove_files() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  }
  // A new resolver, cache and database connection on the same file: what a restarted bot would have.
  void restart() {
    resolver.reset();
    cache.reset();
    db.reset();
    db = std::make_unique<store::database>(store::database_settings{path.string()});
    cache = std::make_unique<store::people>(*db);
    resolver = std::make_unique<bot::people_resolver>(api, *cache, owners, clock, store::people_ttl{24h, 1h});
  }

  std::vector<person> resolve(std::vector<std::string> keys) {
    std::vector<person> out;
    test::run_test(io, [&]() -> boost::asio::awaitable<void> { out = co_await resolver->resolve(keys); }());
    return out;
  }
  person resolve_one(const std::string& key) {
    auto all = resolve({key});
    REQUIRE(all.size() == 1);
    return all.front();
  }

  std::uint64_t calls(std::string_view method) const {
    for (const auto& [name, count] : emu.stats().api_calls)
      if (name == method) return count;
    return 0;
  }
  std::uint64_t lookups() const { return calls("users.lookupByEmail"); }
  std::uint64_t infos() const { return calls("users.info"); }

  void fail(const std::string& method) {
    slack::method_fault f;
    f.what = slack::method_fault::kind::http_status;
    f.method = method;
    f.count = -1;
    f.http_status = 500;
    emu.inject_fault(f);
  }
};

}  // namespace

TEST_CASE("an [owners] entry needs no lookup; the time zone still comes from users.info, once") {
  people_fixture f(owner_map{{"alice@example.com", "U0ALICE"}, {"@bob", "U0BOB"}});
  auto people = f.resolve({"Alice@Example.com", "@Bob"});
  REQUIRE(people.size() == 2);
  CHECK(people[0] ==
        person{"Alice@Example.com", "U0ALICE", "Alice Archer", "America/New_York", -18000, "owners", ""});
  CHECK(people[1] == person{"@Bob", "U0BOB", "Bob Becker", "Europe/Berlin", 3600, "owners", ""});
  CHECK(f.lookups() == 0);
  CHECK(f.infos() == 2);

  CHECK(f.resolve_one("@bob").tz == "Europe/Berlin");
  CHECK(f.infos() == 2);  // the profile came from the cache
}

TEST_CASE("an email Slack knows is looked up once, then answered from the cache until the TTL passes") {
  people_fixture f;
  auto carol = f.resolve_one("carol@example.com");
  CHECK(carol ==
        person{"carol@example.com", "U0CAROL", "Carol Chandra", "Asia/Kolkata", 19800, "lookup", ""});
  CHECK(f.lookups() == 1);
  CHECK(f.infos() == 0);  // users.lookupByEmail answers the whole profile

  f.clock.advance(23h);
  auto again = f.resolve_one("Carol@example.com");
  CHECK(again.source == "cache");
  CHECK(again.user == "U0CAROL");
  CHECK(again.tz == "Asia/Kolkata");
  CHECK(again.tz_offset == 19800);
  CHECK(f.lookups() == 1);
  CHECK(f.infos() == 0);

  f.clock.advance(1h);
  CHECK(f.resolve_one("carol@example.com").source == "lookup");
  CHECK(f.lookups() == 2);
}

TEST_CASE("an email Slack does not know is unknown, and Slack is not asked again for an hour") {
  people_fixture f;
  auto ghost = f.resolve_one("ghost@example.com");
  CHECK(ghost == person{"ghost@example.com", "", "", "", 0, "unknown", ""});
  CHECK(f.lookups() == 1);

  f.clock.advance(59min);
  CHECK(f.resolve_one("ghost@example.com").source == "unknown");
  CHECK(f.lookups() == 1);

  f.clock.advance(1min);
  f.emu.add_user(
      {"", "ghost", "Ghost Writer", "ghost@example.com", "Europe/Berlin", "Central European Time", 3600});
  auto found = f.resolve_one("ghost@example.com");
  CHECK(f.lookups() == 2);
  CHECK(found.source == "lookup");
  CHECK(found.tz == "Europe/Berlin");
}

TEST_CASE("a Slack user ID gets its profile; unknown IDs, unmapped @handles and bare names are unknown") {
  people_fixture f(owner_map{{"@ghost", "U0NOBODY"}});
  auto people = f.resolve({"U0DAVE", "U0NOPE", "@org/team", "Alice Archer", "@ghost", ""});
  REQUIRE(people.size() == 6);
  CHECK(people[0] == person{"U0DAVE", "U0DAVE", "Dave Diaz", "America/Los_Angeles", -28800, "id", ""});
  for (std::size_t i = 1; i < people.size(); ++i) {
    CAPTURE(people[i].key);
    CHECK(people[i].user.empty());
    CHECK(people[i].source == "unknown");
    CHECK(people[i].error.empty());
  }
  CHECK(f.lookups() == 0);
  CHECK(f.infos() == 3);  // U0DAVE, U0NOPE and @ghost's U0NOBODY

  f.resolve({"U0NOPE", "@ghost"});
  CHECK(f.infos() == 3);  // "no such user" is cached for user IDs too
}

TEST_CASE("equal keys are resolved once and answered once per key, in order") {
  people_fixture f;
  auto people =
      f.resolve({"bob@example.com", "BOB@example.com", " bob@example.com ", "U0BOB", "bob@example.com"});
  REQUIRE(people.size() == 5);
  CHECK(people[1].key == "BOB@example.com");
  CHECK(people[2].key == " bob@example.com ");
  for (const auto& p : people) {
    CHECK(p.user == "U0BOB");
    CHECK(p.tz == "Europe/Berlin");
  }
  CHECK(people[4].source == "lookup");
  CHECK(people[3].source == "id");
  CHECK(f.lookups() == 1);
  CHECK(f.infos() == 0);  // U0BOB's profile came with the lookup
}

TEST_CASE("releases resolving the same people at the same time share one lookup per person") {
  people_fixture f;
  std::vector<std::vector<person>> results(20);
  for (auto& out : results) {
    boost::asio::co_spawn(
        f.io,
        [&f, &out]() -> boost::asio::awaitable<void> {
          std::vector<std::string> keys = {"carol@example.com", "bob@example.com", "nobody@example.com"};
          out = co_await f.resolver->resolve(std::move(keys));
        },
        boost::asio::detached);
  }
  f.io.run();
  f.io.restart();
  for (const auto& people : results) {
    REQUIRE(people.size() == 3);
    CHECK(people[0].user == "U0CAROL");
    CHECK(people[0].tz == "Asia/Kolkata");
    CHECK(people[1].user == "U0BOB");
    CHECK(people[2].user.empty());
    CHECK(people[2].error.empty());
  }
  CHECK(f.lookups() == 3);  // not 60
  CHECK(f.infos() == 0);
}

TEST_CASE("what was learnt survives a restart of the bot") {
  people_fixture f;
  f.resolve({"carol@example.com", "ghost@example.com", "U0ERIN"});
  CHECK(f.lookups() == 2);
  CHECK(f.infos() == 1);

  f.restart();
  auto people = f.resolve({"carol@example.com", "ghost@example.com", "U0ERIN"});
  CHECK(people[0] ==
        person{"carol@example.com", "U0CAROL", "Carol Chandra", "Asia/Kolkata", 19800, "cache", ""});
  CHECK(people[1].source == "unknown");
  CHECK(people[2].tz == "UTC");
  CHECK(f.lookups() == 2);
  CHECK(f.infos() == 1);
}

TEST_CASE("a failed lookup sets the error, is not cached and leaves the other keys alone") {
  people_fixture f;
  f.fail("users.lookupByEmail");
  auto people = f.resolve({"erin@example.com", "U0BOB"});
  REQUIRE(people.size() == 2);
  CHECK(people[0].user.empty());
  CHECK(people[0].source == "unknown");
  CHECK(people[0].error.find("http_500") != std::string::npos);
  CHECK(people[1] == person{"U0BOB", "U0BOB", "Bob Becker", "Europe/Berlin", 3600, "id", ""});
  const auto tries = f.lookups();
  CHECK(tries == f.api.settings().max_attempts);  // the web_api retried the 5xx before giving up

  f.emu.clear_faults();
  auto erin = f.resolve_one("erin@example.com");
  CHECK(f.lookups() == tries + 1);
  CHECK(erin == person{"erin@example.com", "U0ERIN", "Erin Evans", "UTC", 0, "lookup", ""});
}

TEST_CASE("a failed users.info keeps the user from [owners], sets the error and is not cached") {
  people_fixture f(owner_map{{"@alice", "U0ALICE"}});
  f.fail("users.info");
  auto alice = f.resolve_one("@alice");
  CHECK(alice.user == "U0ALICE");
  CHECK(alice.source == "owners");
  CHECK(alice.tz.empty());
  CHECK_FALSE(alice.error.empty());

  f.emu.clear_faults();
  alice = f.resolve_one("@alice");
  CHECK(alice.tz == "America/New_York");
  CHECK(alice.error.empty());
}

TEST_CASE("a deactivated Slack user is unknown") {
  people_fixture f;
  slack::user_profile gone{"", "gus", "Gus Gone", "gus@example.com", "UTC", "Coordinated Universal Time", 0};
  gone.deleted = true;
  auto id = f.emu.add_user(gone);
  CHECK(f.resolve_one("gus@example.com") == person{"gus@example.com", "", "", "", 0, "unknown", ""});
  CHECK(f.resolve_one(id).source == "unknown");
  CHECK(f.lookups() == 1);
}

TEST_CASE("resolved people travel through the workflow engine as JSON") {
  people_fixture f(owner_map{{"@bob", "U0BOB"}});
  auto people = f.resolve({"@bob", "carol@example.com", "nobody@example.com"});
  CHECK(workflows::decode_people(workflows::encode_people(people)) == people);
}
