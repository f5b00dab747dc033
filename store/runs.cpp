#include "store/runs.hpp"

#include <fmt/format.h>

namespace tugboat::store {
namespace {

constexpr const char* kColumns =
    "id, workflow, name, state, data, channel, thread_ts, requester, created_at, updated_at, finished_at, version";
constexpr const char* kInsert =
    "INSERT INTO runs(workflow, name, state, data, channel, thread_ts, requester, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kSave =
    "UPDATE runs SET state = ?, data = ?, thread_ts = ?, updated_at = ?, finished_at = ?, version = ? "
    "WHERE id = ? AND version = ?";
constexpr const char* kAppend =
    "INSERT INTO run_events(run_id, version, at, event, state_before, state_after, note) VALUES (?, ?, ?, ?, ?, ?, ?)";

run_row read_row(SQLite::Statement& q) {
  run_row r;
  r.id = q.getColumn(0).getInt64();
  r.workflow = q.getColumn(1).getString();
  r.name = q.getColumn(2).getString();
  r.state = q.getColumn(3).getString();
  r.data = decode_fields(q.getColumn(4).getString());
  r.channel = q.getColumn(5).getString();
  r.thread_ts = q.getColumn(6).getString();
  r.requester = q.getColumn(7).getString();
  r.created_at = q.getColumn(8).getInt64();
  r.updated_at = q.getColumn(9).getInt64();
  if (!q.getColumn(10).isNull()) r.finished_at = q.getColumn(10).getInt64();
  r.version = q.getColumn(11).getInt();
  return r;
}

}  // namespace

runs::runs(database& db) : db_(db), save_(db.sql(), kSave), append_(db.sql(), kAppend) {}

run_row runs::create(std::string_view workflow, std::string_view prefix, std::string_view state, const fields& data,
                     std::string_view channel, std::string_view thread_ts, std::string_view requester, long long now) {
  // The name needs the id: insert with a placeholder name, then name it. Both inside the caller's transaction.
  SQLite::Statement ins(db_.sql(), kInsert);
  ins.bind(1, std::string(workflow));
  ins.bind(2, fmt::format("pending-{}-{}", prefix, now));
  ins.bind(3, std::string(state));
  ins.bind(4, encode_fields(data));
  ins.bind(5, std::string(channel));
  ins.bind(6, std::string(thread_ts));
  ins.bind(7, std::string(requester));
  ins.bind(8, static_cast<int64_t>(now));
  ins.bind(9, static_cast<int64_t>(now));
  ins.exec();
  const auto id = db_.sql().getLastInsertRowid();
  SQLite::Statement name(db_.sql(), "UPDATE runs SET name = ? WHERE id = ?");
  name.bind(1, fmt::format("{}-{}", prefix, id));
  name.bind(2, static_cast<int64_t>(id));
  name.exec();
  return *find(id);
}

std::optional<run_row> runs::find(std::int64_t id) {
  SQLite::Statement q(db_.sql(), fmt::format("SELECT {} FROM runs WHERE id = ?", kColumns));
  q.bind(1, static_cast<int64_t>(id));
  if (!q.executeStep()) return std::nullopt;
  return read_row(q);
}

std::optional<run_row> runs::find_by_name(std::string_view name) {
  SQLite::Statement q(db_.sql(), fmt::format("SELECT {} FROM runs WHERE name = ? COLLATE NOCASE", kColumns));
  q.bind(1, std::string(name));
  if (!q.executeStep()) return std::nullopt;
  return read_row(q);
}

std::vector<run_row> runs::list(const run_filter& f) {
  std::string sql = fmt::format("SELECT {} FROM runs WHERE 1 = 1", kColumns);
  if (f.open_only) sql += " AND finished_at IS NULL";
  if (!f.workflow.empty()) sql += " AND workflow = :workflow";
  if (!f.state.empty()) sql += " AND state = :state";
  if (!f.channel.empty() && !f.requester.empty()) {
    sql += " AND (channel = :channel OR requester = :requester)";
  } else if (!f.channel.empty()) {
    sql += " AND channel = :channel";
  } else if (!f.requester.empty()) {
    sql += " AND requester = :requester";
  }
  sql += " ORDER BY id DESC LIMIT :limit";
  SQLite::Statement q(db_.sql(), sql);
  if (!f.workflow.empty()) q.bind(":workflow", f.workflow);
  if (!f.state.empty()) q.bind(":state", f.state);
  if (!f.channel.empty()) q.bind(":channel", f.channel);
  if (!f.requester.empty()) q.bind(":requester", f.requester);
  q.bind(":limit", static_cast<int64_t>(f.limit));
  std::vector<run_row> out;
  while (q.executeStep()) out.push_back(read_row(q));
  return out;
}

std::vector<std::int64_t> runs::ids_in_state(std::string_view workflow, std::string_view state, std::size_t limit) {
  SQLite::Statement q(db_.sql(),
                      "SELECT id FROM runs WHERE workflow = ? AND state = ? AND finished_at IS NULL ORDER BY id LIMIT ?");
  q.bind(1, std::string(workflow));
  q.bind(2, std::string(state));
  q.bind(3, static_cast<int64_t>(limit));
  std::vector<std::int64_t> ids;
  while (q.executeStep()) ids.push_back(q.getColumn(0).getInt64());
  return ids;
}

std::int64_t runs::count_in_state(std::string_view workflow, std::string_view state) {
  SQLite::Statement q(db_.sql(),
                      "SELECT count(*) FROM runs WHERE workflow = ? AND state = ? AND finished_at IS NULL");
  q.bind(1, std::string(workflow));
  q.bind(2, std::string(state));
  q.executeStep();
  return q.getColumn(0).getInt64();
}

bool runs::save(const run_row& r, int expected_version) {
  save_.reset();
  save_.bind(1, r.state);
  save_.bind(2, encode_fields(r.data));
  save_.bind(3, r.thread_ts);
  save_.bind(4, static_cast<int64_t>(r.updated_at));
  if (r.finished_at) {
    save_.bind(5, static_cast<int64_t>(*r.finished_at));
  } else {
    save_.bind(5);
  }
  save_.bind(6, r.version);
  save_.bind(7, static_cast<int64_t>(r.id));
  save_.bind(8, expected_version);
  return save_.exec() == 1;
}

void runs::append_event(std::int64_t run_id, const run_event_row& e) {
  append_.reset();
  append_.bind(1, static_cast<int64_t>(run_id));
  append_.bind(2, e.version);
  append_.bind(3, static_cast<int64_t>(e.at));
  append_.bind(4, e.event);
  append_.bind(5, e.state_before);
  append_.bind(6, e.state_after);
  append_.bind(7, e.note);
  append_.exec();
}

std::vector<run_event_row> runs::history(std::int64_t run_id) {
  SQLite::Statement q(db_.sql(),
                      "SELECT version, at, event, state_before, state_after, note FROM run_events WHERE run_id = ? "
                      "ORDER BY id");
  q.bind(1, static_cast<int64_t>(run_id));
  std::vector<run_event_row> out;
  while (q.executeStep()) {
    out.push_back({q.getColumn(0).getInt(), q.getColumn(1).getInt64(), q.getColumn(2).getString(),
                   q.getColumn(3).getString(), q.getColumn(4).getString(), q.getColumn(5).getString()});
  }
  return out;
}

}  // namespace tugboat::store
