#include "store/people.hpp"

#include <SQLiteCpp/Database.h>
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "store/schema.hpp"

using namespace tugboat;
using namespace std::chrono_literals;

TEST_CASE("a cached person round-trips, and a second put replaces the row") {
  store::database db({":memory:"});
  store::people cache(db);
  CHECK_FALSE(cache.get("alice@example.com"));

  cache.put({"alice@example.com", "U0ALICE", "", "", 0, 1000});
  cache.put({"U0ALICE", "U0ALICE", "Alice Archer", "America/New_York", -18000, 1000});
  cache.put({"nobody@example.com", "", "", "", 0, 1000});

  auto by_mail = cache.get("alice@example.com");
  REQUIRE(by_mail);
  CHECK(by_mail->user_id == "U0ALICE");
  CHECK(by_mail->found());
  auto profile = cache.get("U0ALICE");
  REQUIRE(profile);
  CHECK(profile->name == "Alice Archer");
  CHECK(profile->tz == "America/New_York");
  CHECK(profile->tz_offset == -18000);
  CHECK(profile->fetched_at == 1000);
  auto nobody = cache.get("nobody@example.com");
  REQUIRE(nobody);
  CHECK_FALSE(nobody->found());

  cache.put({"nobody@example.com", "U0NEW", "", "", 0, 2000});
  CHECK(cache.get("nobody@example.com")->user_id == "U0NEW");
  CHECK(cache.get("nobody@example.com")->fetched_at == 2000);
  CHECK(cache.remove("nobody@example.com"));
  CHECK_FALSE(cache.remove("nobody@example.com"));
  CHECK_FALSE(cache.get("nobody@example.com"));
}

TEST_CASE("found people stay fresh for the positive TTL, unknown ones for the negative TTL") {
  store::database db({":memory:"});
  store::people cache(db);
  manual_clock clock;
  const store::people_ttl ttl{24h, 1h};
  cache.put({"alice@example.com", "U0ALICE", "", "", 0, to_unix_ms(clock.now())});
  cache.put({"nobody@example.com", "", "", "", 0, to_unix_ms(clock.now())});

  clock.advance(59min);
  CHECK(cache.get("alice@example.com")->fresh_at(clock.now(), ttl));
  CHECK(cache.get("nobody@example.com")->fresh_at(clock.now(), ttl));
  clock.advance(1min);
  CHECK(cache.get("alice@example.com")->fresh_at(clock.now(), ttl));
  CHECK_FALSE(cache.get("nobody@example.com")->fresh_at(clock.now(), ttl));
  clock.advance(23h - 1ms);
  CHECK(cache.get("alice@example.com")->fresh_at(clock.now(), ttl));
  clock.advance(1ms);
  CHECK_FALSE(cache.get("alice@example.com")->fresh_at(clock.now(), ttl));
}

TEST_CASE("a version 2 database gains the people cache and keeps its runs") {
  auto path = std::filesystem::temp_directory_path() /
              ("tugboat-people-migration-test-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(path);
  {
    SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("CREATE TABLE schema (version INTEGER NOT NULL); INSERT INTO schema(version) VALUES (2)");
    for (std::size_t v = 0; v < 2; ++v) raw.exec(std::string(store::migrations()[v]));
    raw.exec(
        "INSERT INTO runs(workflow, name, state, channel, requester, created_at, updated_at) "
        "VALUES ('release', 'REL-1', 'requested', 'C0001', 'U0ALICE', 1, 1)");
  }
  {
    store::database db({path.string()});
    CHECK(db.schema_version() == store::database::latest_schema_version());
    SQLite::Statement runs(db.sql(), "SELECT name FROM runs");
    REQUIRE(runs.executeStep());
    CHECK(runs.getColumn(0).getString() == "REL-1");
    store::people cache(db);
    cache.put({"U0ALICE", "U0ALICE", "Alice Archer", "America/New_York", -18000, 5});
    CHECK(cache.get("U0ALICE")->tz == "America/New_York");
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
}
