#include "store/inbox.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using namespace tugboat;

TEST_CASE("a fresh database is migrated to the latest schema") {
  store::database db({":memory:"});
  CHECK(db.schema_version() == store::database::latest_schema_version());
}

TEST_CASE("the inbox recognises a redelivered event and replays what was never handled") {
  store::database db({":memory:"});
  store::inbox inbox(db);
  store::inbox_entry first{"Ev1", "env-1", "events_api", R"({"a":1})", 1000};
  store::inbox_entry retry{"Ev1", "env-2", "events_api", R"({"a":1})", 2000};
  store::inbox_entry other{"Ev2", "env-3", "events_api", R"({"b":2})", 3000};
  CHECK(inbox.record_one(first));
  auto fresh = inbox.record(std::vector{retry, other, other});
  CHECK(fresh == std::vector<bool>{false, true, false});

  inbox.mark_handled("Ev1", 5000);
  auto pending = inbox.unhandled();
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].key == "Ev2");
  CHECK(pending[0].payload == R"({"b":2})");

  CHECK(inbox.prune_handled_before(1500) == 1);
  CHECK(inbox.record_one(first));  // after the dedupe window, the key is free again
}

TEST_CASE("an entry recorded already handled is deduplicated but never replayed") {
  store::database db({":memory:"});
  store::inbox inbox(db);
  store::inbox_entry ignored{"Ev1", "env-1", "events_api", "", 1000, 1000};
  CHECK(inbox.record_one(ignored));
  CHECK(inbox.unhandled().empty());
  CHECK_FALSE(inbox.record_one({"Ev1", "env-2", "events_api", "", 2000}));
  CHECK(inbox.unhandled().empty());
}

TEST_CASE("the inbox survives reopening the database file") {
  auto path = std::filesystem::temp_directory_path() / "tugboat-inbox-test.db";
  std::filesystem::remove(path);
  {
    store::database db({path.string()});
    store::inbox inbox(db);
    inbox.record_one({"Ev9", "env-9", "events_api", "{}", 1});
  }
  {
    store::database db({path.string()});
    CHECK(db.schema_version() == store::database::latest_schema_version());
    store::inbox inbox(db);
    CHECK(inbox.unhandled().size() == 1);
    CHECK_FALSE(inbox.record_one({"Ev9", "env-10", "events_api", "{}", 2}));
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
}
