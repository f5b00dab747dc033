// Recovery after a restart: overdue timers fire once, across a reopened database file and in batches;
// and what recovery and the timer/outbox paths ask of SQLite never reads in proportion to the store's
// history (every statement they run is checked with EXPLAIN QUERY PLAN).
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "workflows/engine/engine.hpp"
#include "workflows/quickfix/quickfix.hpp"

using namespace tugboat;
using namespace tugboat::workflows;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<quickfix_workflow> quickfix(int max_parallel = 1) {
  quickfix_settings s;
  s.command = {"/bin/echo", "{text}"};
  s.max_parallel = max_parallel;
  s.timeout = 60s;
  return std::make_unique<quickfix_workflow>(s);
}

run request(engine& eng, const std::string& text) {
  return eng.create("quickfix", slack::channel_id("D0BOB"), slack::message_ts("100.1"), slack::user_id("U0BOB"),
                    {{"text", text}});
}

void set_timer(store::database& db, engine& eng, std::int64_t run_id, const std::string& name, sys_time due) {
  store::transaction tx(db.sql(), SQLite::TransactionBehavior::IMMEDIATE);
  eng.timers().set(run_id, name, to_unix_ms(due));
  tx.commit();
}

int timer_events(engine& eng, std::int64_t run_id) {
  int n = 0;
  for (const auto& e : eng.runs().history(run_id)) n += e.event.starts_with("timer:") ? 1 : 0;
  return n;
}

// Records the SQL text of every statement run on `db` while it lives.
class statement_log {
 public:
  explicit statement_log(store::database& db) : handle_(db.sql().getHandle()) {
    sqlite3_trace_v2(handle_, SQLITE_TRACE_STMT, &statement_log::on_statement, this);
  }
  ~statement_log() { sqlite3_trace_v2(handle_, 0, nullptr, nullptr); }
  statement_log(const statement_log&) = delete;
  statement_log& operator=(const statement_log&) = delete;

  const std::set<std::string>& sql() const { return sql_; }

 private:
  static int on_statement(unsigned /*type*/, void* self, void* stmt, void* /*text*/) {
    if (const char* text = sqlite3_sql(static_cast<sqlite3_stmt*>(stmt))) {
      static_cast<statement_log*>(self)->sql_.insert(text);
    }
    return 0;
  }

  sqlite3* handle_;
  std::set<std::string> sql_;
};

// The plan rows of `sql` that read a whole table or a whole index that grows with history. Scans of
// the partial indexes of unfinished work (unsent messages, active jobs, unhandled events, open runs)
// are bounded by what is pending, and timers_due is only ever walked in order up to a LIMIT.
std::vector<std::string> unbounded_scans(store::database& db, const std::string& sql) {
  static const std::vector<std::string> bounded = {"outbox_unsent", "jobs_active", "inbox_unhandled", "runs_open",
                                                   "timers_due"};
  std::vector<std::string> out;
  SQLite::Statement plan(db.sql(), "EXPLAIN QUERY PLAN " + sql);
  while (plan.executeStep()) {
    const std::string detail = plan.getColumn(3).getString();
    if (!detail.starts_with("SCAN ")) continue;
    bool ok = false;
    for (const auto& index : bounded) ok |= detail.find("INDEX " + index) != std::string::npos;
    if (!ok) out.push_back(detail);
  }
  return out;
}

}  // namespace

TEST_CASE("an overdue timer fires once after a restart, however many intervals were missed") {
  const auto path = std::filesystem::temp_directory_path() / fmt::format("tugboat-recovery-{}.db", ::getpid());
  std::filesystem::remove(path);
  manual_clock clock;
  std::int64_t run_id = 0;
  {
    store::database db({path.string()});
    engine eng(db, clock, {});
    eng.add(quickfix());
    run_id = request(eng, "x").id;
    set_timer(db, eng, run_id, "reminder", clock.now() + 1h);
  }
  clock.advance(10h);  // "down" for ten intervals
  {
    store::database db({path.string()});
    engine eng(db, clock, {});
    eng.add(quickfix());
    eng.recover();
    CHECK(eng.next_timer() == clock.now() - 9h);
    CHECK(eng.fire_due_timers() == 1);
    CHECK(eng.fire_due_timers() == 0);
    CHECK(timer_events(eng, run_id) == 1);
  }
  {
    store::database db({path.string()});  // and once more: nothing left to fire
    engine eng(db, clock, {});
    eng.add(quickfix());
    eng.recover();
    CHECK_FALSE(eng.next_timer());
    CHECK(eng.fire_due_timers() == 0);
    CHECK(timer_events(eng, run_id) == 1);
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
}

TEST_CASE("many overdue timers fire in batches, each once, the earliest first") {
  manual_clock clock;
  store::database db({":memory:"});
  engine eng(db, clock, {});
  eng.add(quickfix());
  auto r = request(eng, "x");
  for (int i = 0; i < 600; ++i) set_timer(db, eng, r.id, fmt::format("t{}", i), clock.now() - milliseconds{600 - i});
  set_timer(db, eng, r.id, "later", clock.now() + 1h);
  CHECK(eng.fire_due_timers(256) == 256);
  CHECK(eng.runs().history(r.id).back().event == "timer:t255");
  CHECK(eng.fire_due_timers(256) == 256);
  CHECK(eng.fire_due_timers(256) == 88);
  CHECK(eng.fire_due_timers(256) == 0);
  CHECK(timer_events(eng, r.id) == 600);
  CHECK(eng.timers().count() == 1);
  CHECK(eng.next_timer() == clock.now() + 1h);
}

TEST_CASE("recovery, timers and the outbox read the store through indexes, not in proportion to its history") {
  manual_clock clock;
  store::database db({":memory:"});
  engine eng(db, clock, {});
  eng.add(quickfix());
  // Some history (finished runs and jobs, sent messages), a running job, a queued run, timers.
  for (int i = 0; i < 3; ++i) {
    auto done = request(eng, "old");
    const auto job = eng.jobs().active_for_run(done.id).at(0).id;
    store::job_result ok;
    eng.job_finished(job, ok);
  }
  auto running = request(eng, "running");
  eng.jobs().mark_running(eng.jobs().active_for_run(running.id).at(0).id, to_unix_ms(clock.now()));
  auto queued = request(eng, "queued");
  set_timer(db, eng, queued.id, "reminder", clock.now() - 1min);
  set_timer(db, eng, queued.id, "later", clock.now() + 1h);

  std::set<std::string> sql;
  {
    statement_log log(db);
    eng.recover();  // the running job is interrupted, the queued run admitted
    eng.next_timer();
    CHECK(eng.fire_due_timers() == 1);
    eng.next_timer();
    const auto now = to_unix_ms(clock.now());
    for (const auto& head : eng.outbox().heads_with_work(now)) {
      auto row = eng.outbox().next(head.channel, head.lane);
      REQUIRE(row);
      eng.outbox().mark_sending(row->id);
      eng.outbox().mark_sent(row->id, "1.1", now);
    }
    eng.outbox().earliest_deferred(now);
    eng.outbox().slot_ts(running.id, "status");
    eng.outbox().slot_pending(running.id, "status");
    eng.outbox().latest_update(running.id, "status");
    eng.outbox().mark_superseded(running.id, "status", 1, "1.1", now);
    sql = log.sql();
  }
  CHECK(sql.size() > 10);
  for (const auto& s : sql) {
    INFO("statement: " << s);
    CHECK(unbounded_scans(db, s).empty());
  }
}
