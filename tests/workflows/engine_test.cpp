// The engine's transaction boundaries, admission control and timers, with a manual clock and an
// in-memory database; the quick-fix workflow serves as the workflow under test.
#include "workflows/engine/engine.hpp"

#include <doctest/doctest.h>

#include "store/inbox.hpp"
#include "workflows/quickfix/quickfix.hpp"

using namespace tugboat;
using namespace tugboat::workflows;
using namespace std::chrono_literals;

namespace {

struct recorded {
  int outbox_kicks = 0;
  int timer_changes = 0;
  std::vector<std::int64_t> started;
  std::vector<std::int64_t> killed;
};

struct harness {
  explicit harness(int max_parallel = 1, std::vector<std::string> command = {"/bin/echo", "{text}"})
      : db({":memory:"}),
        eng(db, clock, engine_hooks{[this](const std::string&) { ++seen.outbox_kicks; }, [this] { ++seen.timer_changes; },
                                    [this](std::int64_t id) { seen.started.push_back(id); },
                                    [this](std::int64_t id) { seen.killed.push_back(id); }}) {
    quickfix_settings s;
    s.command = std::move(command);
    s.max_parallel = max_parallel;
    s.timeout = 60s;
    eng.add(std::make_unique<quickfix_workflow>(s));
  }

  run request(std::string text, std::string inbox_key = {}) {
    return eng.create("quickfix", slack::channel_id("D0BOB"), slack::message_ts("100.1"), slack::user_id("U0BOB"),
                      {{"text", std::move(text)}}, inbox_key);
  }

  std::vector<store::outbox_row> messages(const run& r) { return eng.outbox().for_run(r.id); }

  manual_clock clock;
  store::database db;
  engine eng;
  recorded seen;
};

store::job_result exited(int code, std::string output = {}) {
  store::job_result j;
  j.exit_code = code;
  j.duration_ms = 1500;
  j.output = std::move(output);
  return j;
}

}  // namespace

TEST_CASE("a quick fix with a free slot starts at once and its result is posted in its thread") {
  harness h;
  auto r = h.request("fix the typo");
  r = *h.eng.find(r.id);
  CHECK(r.name == "QF-1");
  CHECK(r.state == "running");
  REQUIRE(h.seen.started.size() == 1);
  auto job = h.eng.jobs().find(h.seen.started[0]);
  REQUIRE(job);
  CHECK(job->spec.argv == std::vector<std::string>{"/bin/echo", "fix the typo"});
  CHECK(job->spec.env.size() == 3);

  h.eng.job_finished(job->id, exited(0, "patched docs/install.md\nPR: https://git.example/pr/7\n"));
  r = *h.eng.find(r.id);
  CHECK(r.state == "done");
  CHECK(r.finished);
  auto msgs = h.messages(r);
  REQUIRE(msgs.size() == 2);
  CHECK(msgs[0].text.find("is running") != std::string::npos);
  CHECK(msgs[1].text.find("done in 1.5s") != std::string::npos);
  CHECK(msgs[1].text.find("https://git.example/pr/7") != std::string::npos);
  CHECK(msgs[1].thread_ts == "100.1");
  CHECK(msgs[1].key == "QF-1/3/0");
}

TEST_CASE("with max_parallel 1 requests queue in order and say where they are") {
  harness h;
  auto a = h.request("one");
  auto b = h.request("two");
  auto c = h.request("three");
  CHECK(h.eng.find(a.id)->state == "running");
  CHECK(h.eng.find(b.id)->state == "queued");
  CHECK(h.eng.find(c.id)->state == "queued");
  CHECK(h.messages(b).at(0).text.find("0 ahead") != std::string::npos);
  CHECK(h.messages(c).at(0).text.find("1 ahead") != std::string::npos);
  REQUIRE(h.seen.started.size() == 1);

  h.eng.job_finished(h.seen.started[0], exited(0));
  CHECK(h.eng.find(b.id)->state == "running");
  CHECK(h.eng.find(c.id)->state == "queued");
  REQUIRE(h.seen.started.size() == 2);
  h.eng.job_finished(h.seen.started[1], exited(2, "boom"));
  CHECK(h.eng.find(b.id)->state == "failed");
  CHECK(h.messages(b).back().text.find("exited with status 2") != std::string::npos);
  CHECK(h.eng.find(c.id)->state == "running");
}

TEST_CASE("a decision, its effects and the inbox mark commit together or not at all") {
  harness h;
  store::inbox inbox(h.db);
  inbox.record_one({"Ev1", "env1", "events_api", "{}", 1});
  // A workflow that throws mid-decision leaves nothing behind: no run, no outbox row, inbox unhandled.
  struct exploding final : workflow {
    std::string_view name() const override { return "exploding"; }
    std::string_view prefix() const override { return "X"; }
    std::string_view initial_state() const override { return "new"; }
    decision decide(const run&, const event&, sys_time) const override { throw std::runtime_error("bang"); }
  };
  h.eng.add(std::make_unique<exploding>());
  CHECK_THROWS(h.eng.create("exploding", slack::channel_id("C1"), {}, slack::user_id("U1"), {}, "Ev1"));
  CHECK(h.eng.list({.open_only = false}).empty());
  CHECK(h.eng.outbox().unsent_count() == 0);
  CHECK(inbox.unhandled().size() == 1);

  auto r = h.request("works", "Ev1");
  CHECK(inbox.unhandled().empty());
  CHECK(h.eng.runs().history(r.id).size() == 2);  // start, admit
}

TEST_CASE("cancelling a running quick fix kills its job and ends it as cancelled") {
  harness h;
  auto r = h.request("slow thing");
  h.eng.deliver(r.id, {.kind = event_kind::cancel, .by = slack::user_id("U0BOB")});
  REQUIRE(h.seen.killed.size() == 1);
  CHECK(h.seen.killed[0] == h.seen.started[0]);
  store::job_result killed;
  killed.term_signal = 15;
  killed.cancelled = true;
  h.eng.job_finished(h.seen.killed[0], killed);
  auto after = *h.eng.find(r.id);
  CHECK(after.state == "cancelled");
  CHECK(h.messages(after).back().text.find("cancelled by <@U0BOB>") != std::string::npos);
}

TEST_CASE("a queued quick fix cancelled never runs") {
  harness h;
  h.request("first");
  auto queued = h.request("second");
  h.eng.deliver(queued.id, {.kind = event_kind::cancel, .by = slack::user_id("U0BOB")});
  CHECK(h.eng.find(queued.id)->state == "cancelled");
  h.eng.job_finished(h.seen.started[0], exited(0));
  CHECK(h.seen.started.size() == 1);
}

TEST_CASE("a job running during a restart is reported, not re-run, and can be run again") {
  harness h;
  auto r = h.request("migrate things");
  auto job_id = h.seen.started.at(0);
  h.eng.jobs().mark_running(job_id, 5);
  h.seen.started.clear();
  h.eng.recover();
  auto after = *h.eng.find(r.id);
  CHECK(after.state == "needs_attention");
  CHECK(h.seen.started.empty());
  auto notice = h.messages(after).back();
  CHECK(notice.blocks.find("Run again") != std::string::npos);
  CHECK(notice.blocks.find("migrate things") != std::string::npos);
  CHECK(h.eng.jobs().find(job_id)->state == "interrupted");

  h.eng.deliver(r.id, {.kind = event_kind::button, .name = std::string(kQuickfixRerun), .by = slack::user_id("U0BOB")});
  CHECK(h.eng.find(r.id)->state == "running");
  CHECK(h.seen.started.size() == 1);
}

TEST_CASE("timers fire once when due, even long overdue after a restart") {
  harness h;
  auto r = h.request("x");
  {
    store::transaction tx(h.db.sql(), SQLite::TransactionBehavior::IMMEDIATE);
    h.eng.timers().set(r.id, "reminder", to_unix_ms(h.clock.now() + 1h));
    tx.commit();
  }
  CHECK(h.eng.next_timer() == h.clock.now() + 1h);
  CHECK(h.eng.fire_due_timers() == 0);
  h.clock.advance(10h);  // ten intervals missed while "down"
  CHECK(h.eng.fire_due_timers() == 1);
  CHECK(h.eng.fire_due_timers() == 0);
  CHECK_FALSE(h.eng.next_timer());
}

TEST_CASE("quick fixes say so when no command is configured") {
  harness h(1, {});
  auto r = h.request("anything");
  auto after = *h.eng.find(r.id);
  CHECK(after.state == "failed");
  CHECK(h.messages(after).at(0).text.find("not set up") != std::string::npos);
}

TEST_CASE("links are found in command output") {
  auto links = find_links("see https://github.com/o/r/pull/12. and (http://x.y/z) https://github.com/o/r/pull/12");
  REQUIRE(links.size() == 2);
  CHECK(links[0] == "https://github.com/o/r/pull/12");
  CHECK(links[1] == "http://x.y/z");
}
