#include "store/outbox.hpp"

#include <SQLiteCpp/VariadicBind.h>
#include <fmt/format.h>

namespace tugboat::store {
namespace {

constexpr const char* kColumns =
    "id, key, run_id, kind, channel, thread_ts, slot, user_id, text, blocks, state, ts, attempts, not_before, error, "
    "created_at";
constexpr const char* kInsert =
    "INSERT INTO outbox(key, run_id, kind, channel, thread_ts, slot, user_id, text, blocks, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

outbox_row read_row(SQLite::Statement& q) {
  outbox_row r;
  r.id = q.getColumn(0).getInt64();
  r.key = q.getColumn(1).getString();
  r.run_id = q.getColumn(2).isNull() ? 0 : q.getColumn(2).getInt64();
  r.kind = q.getColumn(3).getString();
  r.channel = q.getColumn(4).getString();
  r.thread_ts = q.getColumn(5).getString();
  r.slot = q.getColumn(6).getString();
  r.user_id = q.getColumn(7).getString();
  r.text = q.getColumn(8).getString();
  r.blocks = q.getColumn(9).getString();
  r.state = q.getColumn(10).getString();
  r.ts = q.getColumn(11).getString();
  r.attempts = q.getColumn(12).getInt();
  r.not_before = q.getColumn(13).getInt64();
  r.error = q.getColumn(14).getString();
  r.created_at = q.getColumn(15).getInt64();
  return r;
}

// The unsent rows of a channel, oldest first, through the partial index outbox_unsent.
constexpr const char* kNextInLane =
    "SELECT {} FROM outbox WHERE channel = ? AND state IN ('pending', 'sending') AND (kind = 'update') = {} "
    "ORDER BY id LIMIT 1";

// Runs one statement with its arguments bound in order; returns the rows it changed.
template <typename... Args>
int exec(SQLite::Database& db, const char* sql, const Args&... args) {
  SQLite::Statement q(db, sql);
  SQLite::bind(q, args...);
  return q.exec();
}

}  // namespace

outbox_lane lane_of(std::string_view kind) { return kind == "update" ? outbox_lane::edits : outbox_lane::posts; }

outbox::outbox(database& db)
    : db_(db),
      insert_(db.sql(), kInsert),
      next_(db.sql(), fmt::format(kNextInLane, kColumns, 0)),
      next_edit_(db.sql(), fmt::format(kNextInLane, kColumns, 1)) {}

void outbox::add(const outbox_row& r) {
  insert_.reset();
  insert_.bind(1, r.key);
  if (r.run_id > 0) {
    insert_.bind(2, static_cast<int64_t>(r.run_id));
  } else {
    insert_.bind(2);  // a direct reply (help, errors) that belongs to no run
  }
  insert_.bind(3, r.kind);
  insert_.bind(4, r.channel);
  insert_.bind(5, r.thread_ts);
  insert_.bind(6, r.slot);
  insert_.bind(7, r.user_id);
  insert_.bind(8, r.text);
  insert_.bind(9, r.blocks);
  insert_.bind(10, static_cast<int64_t>(r.created_at));
  insert_.exec();
}

std::vector<outbox_head> outbox::heads_with_work(long long now) {
  // A lane whose oldest unsent row is deferred waits as a whole: its order must hold.
  SQLite::Statement q(db_.sql(),
                      "SELECT channel, kind = 'update', min(id) FROM outbox WHERE state IN ('pending', 'sending') "
                      "GROUP BY channel, kind = 'update'");
  std::vector<std::pair<outbox_head, std::int64_t>> heads;
  while (q.executeStep()) {
    heads.push_back({{q.getColumn(0).getString(), q.getColumn(1).getInt() != 0 ? outbox_lane::edits : outbox_lane::posts},
                     q.getColumn(2).getInt64()});
  }
  std::vector<outbox_head> out;
  SQLite::Statement nb(db_.sql(), "SELECT not_before FROM outbox WHERE id = ?");
  for (auto& [head, id] : heads) {
    nb.reset();
    nb.bind(1, static_cast<int64_t>(id));
    if (nb.executeStep() && nb.getColumn(0).getInt64() <= now) out.push_back(std::move(head));
  }
  return out;
}

std::optional<outbox_row> outbox::next(std::string_view channel, outbox_lane lane) {
  auto& q = lane == outbox_lane::edits ? next_edit_ : next_;
  q.reset();
  q.bind(1, std::string(channel));
  if (!q.executeStep()) return std::nullopt;
  return read_row(q);
}

std::optional<outbox_row> outbox::latest_update(std::int64_t run_id, std::string_view slot) {
  // `slot <> ''` lets SQLite use the partial index outbox_slot (see slot_ts).
  SQLite::Statement q(db_.sql(), fmt::format("SELECT {} FROM outbox WHERE run_id = ? AND slot = ? AND slot <> '' "
                                             "AND kind = 'update' AND state IN ('pending', 'sending') "
                                             "ORDER BY id DESC LIMIT 1",
                                             kColumns));
  q.bind(1, static_cast<int64_t>(run_id));
  q.bind(2, std::string(slot));
  if (!q.executeStep()) return std::nullopt;
  return read_row(q);
}

int outbox::mark_superseded(std::int64_t run_id, std::string_view slot, std::int64_t newest_id, std::string_view ts,
                            long long now) {
  return exec(db_.sql(),
              "UPDATE outbox SET state = 'sent', ts = ?, sent_at = ?, error = 'superseded' "
              "WHERE run_id = ? AND slot = ? AND slot <> '' AND kind = 'update' "
              "AND state IN ('pending', 'sending') AND id < ?",
              std::string(ts), int64_t{now}, int64_t{run_id}, std::string(slot), int64_t{newest_id});
}

bool outbox::slot_pending(std::int64_t run_id, std::string_view slot) {
  SQLite::Statement q(db_.sql(),
                      "SELECT 1 FROM outbox WHERE run_id = ? AND slot = ? AND slot <> '' AND kind = 'post' "
                      "AND state IN ('pending', 'sending') LIMIT 1");
  q.bind(1, static_cast<int64_t>(run_id));
  q.bind(2, std::string(slot));
  return q.executeStep();
}

std::optional<outbox_row> outbox::find(std::string_view key) {
  SQLite::Statement q(db_.sql(), fmt::format("SELECT {} FROM outbox WHERE key = ?", kColumns));
  q.bind(1, std::string(key));
  if (!q.executeStep()) return std::nullopt;
  return read_row(q);
}

std::string outbox::slot_ts(std::int64_t run_id, std::string_view slot) {
  if (slot.empty()) return {};
  // `slot <> ''` repeats the partial index's WHERE so SQLite can use outbox_slot: with `slot = ?` alone it
  // cannot prove it, and every update would read the whole outbox.
  SQLite::Statement q(db_.sql(),
                      "SELECT ts FROM outbox WHERE run_id = ? AND slot = ? AND slot <> '' AND kind = 'post' "
                      "AND state = 'sent' ORDER BY id LIMIT 1");
  q.bind(1, static_cast<int64_t>(run_id));
  q.bind(2, std::string(slot));
  return q.executeStep() ? q.getColumn(0).getString() : std::string{};
}

std::vector<outbox_row> outbox::for_run(std::int64_t run_id) {
  SQLite::Statement q(db_.sql(), fmt::format("SELECT {} FROM outbox WHERE run_id = ? ORDER BY id", kColumns));
  q.bind(1, static_cast<int64_t>(run_id));
  std::vector<outbox_row> out;
  while (q.executeStep()) out.push_back(read_row(q));
  return out;
}

std::int64_t outbox::unsent_count() {
  SQLite::Statement q(db_.sql(), "SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')");
  q.executeStep();
  return q.getColumn(0).getInt64();
}

std::optional<long long> outbox::earliest_deferred(long long now) {
  SQLite::Statement q(db_.sql(),
                      "SELECT min(not_before) FROM outbox WHERE state IN ('pending', 'sending') AND not_before > ?");
  q.bind(1, static_cast<int64_t>(now));
  if (!q.executeStep() || q.getColumn(0).isNull()) return std::nullopt;
  return q.getColumn(0).getInt64();
}

void outbox::mark_sending(std::int64_t id) {
  exec(db_.sql(), "UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE id = ?", int64_t{id});
}

void outbox::mark_sent(std::int64_t id, std::string_view ts, long long now) {
  exec(db_.sql(), "UPDATE outbox SET state = 'sent', ts = ?, sent_at = ?, error = '' WHERE id = ?", std::string(ts),
       int64_t{now}, int64_t{id});
}

void outbox::mark_failed(std::int64_t id, std::string_view error, long long now) {
  exec(db_.sql(), "UPDATE outbox SET state = 'failed', error = ?, sent_at = ? WHERE id = ?", std::string(error),
       int64_t{now}, int64_t{id});
}

void outbox::defer(std::int64_t id, long long not_before, std::string_view error, bool maybe_delivered) {
  exec(db_.sql(), "UPDATE outbox SET state = ?, not_before = ?, error = ? WHERE id = ?",
       std::string(maybe_delivered ? "sending" : "pending"), int64_t{not_before}, std::string(error), int64_t{id});
}

}  // namespace tugboat::store
