#pragma once
// Runs and their history. A run row is one workflow's state machine; each decision bumps `version` and
// appends a run_events row. Writes are made inside the engine's transaction (the caller's); this class
// only holds the statements. Loop thread only.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.hpp"
#include "store/fields.hpp"

namespace tugboat::store {

struct run_row {
  std::int64_t id = 0;
  std::string workflow;
  std::string name;  // QF-12
  std::string state;
  fields data;
  std::string channel;
  std::string thread_ts;
  std::string requester;
  long long created_at = 0;
  long long updated_at = 0;
  std::optional<long long> finished_at;
  int version = 0;
};

struct run_event_row {
  int version = 0;
  long long at = 0;
  std::string event;
  std::string state_before;
  std::string state_after;
  std::string note;
};

struct run_filter {
  std::string workflow;   // empty: any
  std::string channel;    // empty: any
  std::string requester;  // empty: any
  std::string state;      // empty: any
  bool open_only = true;
  std::size_t limit = 50;
};

class runs {
 public:
  explicit runs(database& db);

  // Inserts a run named `prefix-<id>` and returns it.
  run_row create(std::string_view workflow, std::string_view prefix, std::string_view state, const fields& data,
                 std::string_view channel, std::string_view thread_ts, std::string_view requester, long long now);
  std::optional<run_row> find(std::int64_t id);
  std::optional<run_row> find_by_name(std::string_view name);  // case-insensitive
  // Newest first. A run matches when channel OR requester matches (both given) — "this channel's and mine".
  std::vector<run_row> list(const run_filter& filter);
  // Ids of unfinished runs of `workflow` in `state`, oldest first.
  std::vector<std::int64_t> ids_in_state(std::string_view workflow, std::string_view state, std::size_t limit);
  std::int64_t count_in_state(std::string_view workflow, std::string_view state);

  // Saves a decision's result if the run is still at `expected_version`; false if someone else won.
  bool save(const run_row& updated, int expected_version);
  void append_event(std::int64_t run_id, const run_event_row& e);
  std::vector<run_event_row> history(std::int64_t run_id);

 private:
  database& db_;
  SQLite::Statement save_;
  SQLite::Statement append_;
};

}  // namespace tugboat::store
