#include "store/timers.hpp"

namespace tugboat::store {
namespace {

constexpr const char* kSet =
    "INSERT INTO timers(run_id, name, due_at) VALUES (?, ?, ?) "
    "ON CONFLICT(run_id, name) DO UPDATE SET due_at = excluded.due_at";
constexpr const char* kEarliest = "SELECT id, run_id, name, due_at FROM timers ORDER BY due_at, id LIMIT 1";

timer_row read_row(SQLite::Statement& q) {
  return {q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), q.getColumn(2).getString(), q.getColumn(3).getInt64()};
}

}  // namespace

timers::timers(database& db) : db_(db), set_(db.sql(), kSet), earliest_(db.sql(), kEarliest) {}

void timers::set(std::int64_t run_id, std::string_view name, long long due_at) {
  set_.reset();
  set_.bind(1, static_cast<int64_t>(run_id));
  set_.bind(2, std::string(name));
  set_.bind(3, static_cast<int64_t>(due_at));
  set_.exec();
}

void timers::cancel(std::int64_t run_id, std::string_view name) {
  SQLite::Statement q(db_.sql(), "DELETE FROM timers WHERE run_id = ? AND name = ?");
  q.bind(1, static_cast<int64_t>(run_id));
  q.bind(2, std::string(name));
  q.exec();
}

void timers::cancel_all(std::int64_t run_id) {
  SQLite::Statement q(db_.sql(), "DELETE FROM timers WHERE run_id = ?");
  q.bind(1, static_cast<int64_t>(run_id));
  q.exec();
}

std::optional<timer_row> timers::earliest() {
  earliest_.reset();
  if (!earliest_.executeStep()) return std::nullopt;
  return read_row(earliest_);
}

std::vector<timer_row> timers::due(long long now, std::size_t limit) {
  SQLite::Statement q(db_.sql(), "SELECT id, run_id, name, due_at FROM timers WHERE due_at <= ? ORDER BY due_at, id LIMIT ?");
  q.bind(1, static_cast<int64_t>(now));
  q.bind(2, static_cast<int64_t>(limit));
  std::vector<timer_row> out;
  while (q.executeStep()) out.push_back(read_row(q));
  return out;
}

bool timers::remove(std::int64_t id) {
  SQLite::Statement q(db_.sql(), "DELETE FROM timers WHERE id = ?");
  q.bind(1, static_cast<int64_t>(id));
  return q.exec() == 1;
}

std::int64_t timers::count() {
  SQLite::Statement q(db_.sql(), "SELECT count(*) FROM timers");
  q.executeStep();
  return q.getColumn(0).getInt64();
}

}  // namespace tugboat::store
