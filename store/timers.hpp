#pragma once
// Durable timers: one row per (run, name), so re-arming a reminder replaces it and an overdue timer
// fires once after a restart, not once per missed interval. The scheduler only ever needs the earliest
// row, so memory does not grow with the number of pending timers. Loop thread only.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.hpp"

namespace tugboat::store {

struct timer_row {
  std::int64_t id = 0;
  std::int64_t run_id = 0;
  std::string name;
  long long due_at = 0;
};

class timers {
 public:
  explicit timers(database& db);

  void set(std::int64_t run_id, std::string_view name, long long due_at);
  void cancel(std::int64_t run_id, std::string_view name);
  void cancel_all(std::int64_t run_id);
  std::optional<timer_row> earliest();
  std::vector<timer_row> due(long long now, std::size_t limit);
  bool remove(std::int64_t id);
  std::int64_t count();

 private:
  database& db_;
  SQLite::Statement set_;
  SQLite::Statement earliest_;
};

}  // namespace tugboat::store
