// Recovery benchmark (issue 3): the real `tugboat run` (a separate process) started on a store that
// already holds OPEN_RUNS open runs and M pending timers, against the in-process emulator. Measures
// start → connected (first hello), start → first due timer fired, and the bot's peak RSS, for several
// M, so growth with the number of pending timers shows. Prints each figure beside its target.
//   recovery_bench TUGBOAT_BINARY [OPEN_RUNS] [M...]      (defaults: 10000, and M = 1000 10000 100000)
//   recovery_bench --make-store PATH [OPEN_RUNS] [M]      only writes such a store (to profile by hand)
//
// The store is a real SQLite file made through the bot's own migrations (store::database), filled
// with plain SQL in one transaction, shaped like a bot that has served for a while and then died:
//   - OPEN_RUNS open quick-fix runs: 2 `running` (their jobs `running`: recovery interrupts them), 100
//     `queued` (admission starts the next two), the rest `needs_attention` (waiting for a human);
//     as many finished runs again, each with its history (run_events, sent outbox rows, a finished
//     job, a handled inbox row);
//   - 20 outbox rows not yet sent (recovery sends them);
//   - M timers on the open runs (`reminder-K`), due between 1 hour and 30 days ahead, except the
//     first few, which are overdue by minutes.
// No workflow reacts visibly to a timer yet (quick fixes do not set any), so "fired" is read from the
// store: the engine commits a fired timer as one transaction that deletes the timer row and appends a
// `timer:NAME` run_events row. The bench polls for that row through its own SQLite connection (WAL
// lets it read while the bot writes). After a restart the overdue timers must not fire again.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/proc_stats.hpp"
#include "slack/emulator/emulator.hpp"
#include "store/database.hpp"
#include "store/fields.hpp"
#include "store/jobs.hpp"
#include "tests/support/child.hpp"

using namespace std::chrono_literals;
using tugboat::testing::child;
using tugboat::testing::temp_dir;

namespace {

using tugboat::bench::load_average;
using tugboat::bench::proc_sample;
using tugboat::bench::row;
using tugboat::bench::sample;

constexpr int kRunning = 2;  // = [quickfix] max_parallel
constexpr int kQueued = 100;
constexpr int kOverdue = 5;
constexpr int kUnsent = 20;
constexpr long long kHour = 3'600'000;
constexpr long long kDay = 24 * kHour;

long long unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// RECOVERY_BENCH_LOG=debug (or info) prints the bot's log of each first start: a timeline of recovery.
std::string log_level() {
  const char* level = std::getenv("RECOVERY_BENCH_LOG");
  return level ? level : "warn";
}

struct store_shape {
  int open_runs = 10'000;
  int timers = 100'000;
  std::vector<std::string> channels;  // DM channels of the requesters
  std::vector<std::string> users;
};

// What the bench watches for: the earliest overdue timer's run and name.
struct first_timer {
  std::int64_t run_id = 0;
  std::string name;
};

std::string request_text(int i) {
  return fmt::format("please fix the flaky test test_checkout_{} in services/payments and open a PR; it fails about "
                     "one run in ten since the retry change",
                     i);
}

// Fills `path` through the bot's own migrations; returns the timer the bot must fire first.
first_timer make_store(const std::string& path, const store_shape& shape) {
  tugboat::store::database db({path});
  auto& sql = db.sql();
  const long long now = unix_ms_now();
  const int open = shape.open_runs;
  const int total = open * 2;  // as many finished runs as open ones
  first_timer first;

  tugboat::store::transaction tx(sql, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement run(sql,
                        "INSERT INTO runs(id, workflow, name, state, data, channel, thread_ts, requester, created_at, "
                        "updated_at, finished_at, version) VALUES (?, 'quickfix', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  SQLite::Statement event(sql,
                          "INSERT INTO run_events(run_id, version, at, event, state_before, state_after, note) "
                          "VALUES (?, ?, ?, ?, ?, ?, '')");
  SQLite::Statement out(sql,
                        "INSERT INTO outbox(key, run_id, kind, channel, thread_ts, text, blocks, state, ts, attempts, "
                        "created_at, sent_at) VALUES (?, ?, 'post', ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  SQLite::Statement job(sql,
                        "INSERT INTO jobs(run_id, name, spec, state, pid, created_at, started_at, finished_at, result) "
                        "VALUES (?, 'command', ?, ?, 0, ?, ?, ?, ?)");
  SQLite::Statement inbox(sql,
                          "INSERT INTO inbox(key, envelope_id, kind, payload, received_at, handled_at) "
                          "VALUES (?, ?, 'events_api', ?, ?, ?)");
  SQLite::Statement timer(sql, "INSERT INTO timers(run_id, name, due_at) VALUES (?, ?, ?)");

  int unsent = 0;
  for (int i = 0; i < total; ++i) {
    const std::int64_t id = i + 1;
    const bool finished = i >= open;
    const std::string state = finished            ? "done"
                              : i < kRunning      ? "running"
                              : i < kRunning + kQueued ? "queued"
                                                  : "needs_attention";
    const auto& channel = shape.channels[static_cast<std::size_t>(i) % shape.channels.size()];
    const auto& user = shape.users[static_cast<std::size_t>(i) % shape.users.size()];
    const long long created = now - 20 * kDay + static_cast<long long>(i) * 60'000;
    const auto thread = fmt::format("{}.{:06}", created / 1000, i % 1'000'000);
    const auto name = fmt::format("QF-{}", id);
    const int version = finished ? 4 : state == "needs_attention" ? 4 : state == "running" ? 2 : 1;

    run.reset();
    run.bind(1, static_cast<int64_t>(id));
    run.bind(2, name);
    run.bind(3, state);
    run.bind(4, tugboat::store::encode_fields({{"text", request_text(i)}}));
    run.bind(5, channel);
    run.bind(6, thread);
    run.bind(7, user);
    run.bind(8, static_cast<int64_t>(created));
    run.bind(9, static_cast<int64_t>(created + 90'000));
    if (finished) {
      run.bind(10, static_cast<int64_t>(created + 90'000));
    } else {
      run.bind(10);
    }
    run.bind(11, version);
    run.exec();

    static constexpr const char* kHistory[][3] = {{"start", "queued", "queued"},
                                                  {"admit", "queued", "running"},
                                                  {"job_finished:command", "running", "done"},
                                                  {"interrupted:command", "running", "needs_attention"}};
    for (int v = 1; v <= version; ++v) {
      const auto* h = kHistory[std::min(v - 1, finished ? 2 : 3)];
      event.reset();
      event.bind(1, static_cast<int64_t>(id));
      event.bind(2, v);
      event.bind(3, static_cast<int64_t>(created + v * 1000));
      event.bind(4, h[0]);
      event.bind(5, h[1]);
      event.bind(6, h[2]);
      event.exec();
    }

    // Messages: one per version, sent — except the last notice of a few waiting runs.
    for (int v = 1; v <= version; ++v) {
      const bool pending = !finished && state == "needs_attention" && v == version && unsent < kUnsent;
      if (pending) ++unsent;
      out.reset();
      out.bind(1, fmt::format("{}/{}/0", name, v));
      out.bind(2, static_cast<int64_t>(id));
      out.bind(3, channel);
      out.bind(4, thread);
      out.bind(5, fmt::format(":arrow_forward: *{}* step {}: {}", name, v, request_text(i)));
      out.bind(6, "");
      out.bind(7, pending ? "pending" : "sent");
      out.bind(8, pending ? "" : fmt::format("{}.{:06}", (created + v * 1000) / 1000, v));
      out.bind(9, pending ? 0 : 1);
      out.bind(10, static_cast<int64_t>(created + v * 1000));
      if (pending) {
        out.bind(11);
      } else {
        out.bind(11, static_cast<int64_t>(created + v * 1000 + 150));
      }
      out.exec();
    }

    if (state != "queued") {
      tugboat::store::job_spec spec;
      spec.argv = {"/bin/sleep", "60", request_text(i)};
      spec.cwd = "/tmp";
      spec.env = {{"TUGBOAT_REQUEST", request_text(i)}, {"TUGBOAT_USER", user}, {"TUGBOAT_RUN", name}};
      spec.timeout_ms = 1'800'000;
      tugboat::store::job_result result;
      result.duration_ms = 61'000;
      result.output = "Cloning…\nRunning tests…\n42 passed\nhttps://git.example.com/payments/pull/1234\n";
      job.reset();
      job.bind(1, static_cast<int64_t>(id));
      job.bind(2, tugboat::store::encode_job_spec(spec));
      job.bind(3, finished ? "done" : state == "running" ? "running" : "interrupted");
      job.bind(4, static_cast<int64_t>(created + 2000));
      job.bind(5, static_cast<int64_t>(created + 2000));
      if (state == "running") {
        job.bind(6);
        job.bind(7, "");
      } else {
        job.bind(6, static_cast<int64_t>(created + 63'000));
        job.bind(7, tugboat::store::encode_job_result(result));
      }
      job.exec();
    }

    inbox.reset();
    inbox.bind(1, fmt::format("Ev{:08}", id));
    inbox.bind(2, fmt::format("env-{:08}", id));
    inbox.bind(3, fmt::format(R"({{"type":"event_callback","event_id":"Ev{:08}","event":{{"type":"message",)"
                              R"("channel_type":"im","channel":"{}","user":"{}","ts":"{}","text":"{}"}}}})",
                              id, channel, user, thread, request_text(i)));
    inbox.bind(4, static_cast<int64_t>(created));
    inbox.bind(5, static_cast<int64_t>(created + 5));
    inbox.exec();
  }

  // Timers on open runs that wait (not the ones recovery moves), reminder-0 on every run first.
  const int waiting = open - kRunning - kQueued;
  for (int k = 0; k < shape.timers; ++k) {
    const std::int64_t run_id = kRunning + kQueued + (k % waiting) + 1;
    const auto timer_name = fmt::format("reminder-{}", k / waiting);
    long long due = 0;
    if (k < kOverdue) {
      due = now - static_cast<long long>(kOverdue - k) * 60'000;  // k = 0 is the most overdue
      if (k == 0) first = {run_id, timer_name};
    } else {
      due = now + kHour + (static_cast<long long>(k) * 7'919'993) % (30 * kDay);
    }
    timer.reset();
    timer.bind(1, static_cast<int64_t>(run_id));
    timer.bind(2, timer_name);
    timer.bind(3, static_cast<int64_t>(due));
    timer.exec();
  }
  tx.commit();
  return first;
}

struct result {
  int timers = 0;
  double db_mib = 0;
  double hello_ms = -1;
  double fired_ms = -1;
  proc_sample ready;    // when connected with the first timer fired
  proc_sample settled;  // once recovery's messages are sent
  long long timer_events = 0;         // timer:* run_events after the first start
  long long timer_events_after = 0;   // … and after a restart
  long long timers_left = 0;
  bool restarted = false;
  bool sent_all = false;
  int exit_code = -1;
};

result measure(const std::string& binary, int open_runs, int timers) {
  result r;
  r.timers = timers;
  tugboat::slack::emulator_settings settings;
  settings.rate_limits = false;
  settings.refresh_grace = 2s;
  tugboat::slack::emulator emu(settings);
  emu.start();

  temp_dir dir;
  store_shape shape;
  shape.open_runs = open_runs;
  shape.timers = timers;
  shape.users = {"U0ALICE", "U0BOB"};
  for (const auto& u : shape.users) shape.channels.push_back(emu.dm_channel(u));
  const auto db_path = dir.file("tugboat.db");
  const auto first = make_store(db_path, shape);
  r.db_mib = static_cast<double>(std::filesystem::file_size(db_path)) / (1024.0 * 1024.0);
  {
    std::ofstream cfg(dir.file("tugboat.toml"));
    cfg << "[store]\npath = \"tugboat.db\"\n[slack]\nconnections = 2\nrate_limits = false\n[log]\nlevel = \""
        << log_level() << "\"\n"
        << "[quickfix]\ncommand = [\"/bin/sleep\", \"60\"]\nmax_parallel = " << kRunning << "\n";
  }

  SQLite::Database watch(db_path, SQLite::OPEN_READWRITE);
  SQLite::Statement fired(watch, "SELECT count(*) FROM run_events WHERE run_id = ? AND event = ?");
  fired.bind(1, static_cast<int64_t>(first.run_id));
  fired.bind(2, "timer:" + first.name);
  auto has_fired = [&fired] {
    fired.reset();
    fired.executeStep();
    const bool yes = fired.getColumn(0).getInt64() > 0;
    fired.reset();  // ends the read transaction: the next read sees the bot's newer commits
    return yes;
  };
  auto count = [&watch](const char* q) {
    SQLite::Statement s(watch, q);
    s.executeStep();
    return s.getColumn(0).getInt64();
  };

  const std::vector<std::pair<std::string, std::string>> env = {{"SLACK_API_URL", emu.api_url()},
                                                                {"SLACK_APP_TOKEN", settings.app_token},
                                                                {"SLACK_BOT_TOKEN", settings.bot_token}};
  const std::vector<std::string> argv = {binary, "run", "--config", dir.file("tugboat.toml")};
  {
    const auto spawned = std::chrono::steady_clock::now();
    child bot(argv, env, dir.file("bot-1.log"));
    const auto deadline = spawned + 10s;
    while ((r.hello_ms < 0 || r.fired_ms < 0) && std::chrono::steady_clock::now() < deadline) {
      const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - spawned).count();
      if (r.hello_ms < 0 && emu.open_connections() > 0) r.hello_ms = ms;  // counted when hello is sent
      if (r.fired_ms < 0 && has_fired()) r.fired_ms = ms;
      if (r.hello_ms >= 0 && r.fired_ms >= 0) r.ready = sample(bot.pid());
      std::this_thread::sleep_for(200us);
    }
    if (r.hello_ms < 0 || r.fired_ms < 0) fmt::print(stderr, "the bot did not recover in time:\n{}", bot.log());
    // Recovery's messages: 20 unsent rows, 2 interruption notices, 2 "is running" for admitted runs.
    const auto expected = static_cast<std::size_t>(kUnsent + 2 * kRunning);
    r.sent_all = emu.wait_for_count(expected, 10s).size() >= expected;
    std::this_thread::sleep_for(300ms);
    r.settled = sample(bot.pid());
    if (log_level() != "warn") fmt::print("{}", bot.log());
    r.timer_events = count("SELECT count(*) FROM run_events WHERE event LIKE 'timer:%'");
    bot.signal(SIGTERM);
    r.exit_code = bot.wait(10s);
    if (r.exit_code != 0) fmt::print(stderr, "the bot did not stop cleanly:\n{}", bot.log());
  }
  {
    // A restart: the overdue timers fired already; nothing fires again. The jobs the first start began
    // were stopped with it, so this start tells their requesters: once those notices are out, recovery
    // (and the first ring of the scheduler, which comes right after it) is over.
    const auto before = emu.messages().size();
    child bot(argv, env, dir.file("bot-2.log"));
    r.restarted = emu.wait_for_count(before + kRunning, 10s).size() >= before + kRunning;
    std::this_thread::sleep_for(200ms);
    r.timer_events_after = count("SELECT count(*) FROM run_events WHERE event LIKE 'timer:%'");
    r.timers_left = count("SELECT count(*) FROM timers");
    bot.signal(SIGTERM);
    bot.wait(10s);
  }
  emu.stop();
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: recovery_bench TUGBOAT_BINARY [OPEN_RUNS] [M...] | --make-store PATH [OPEN_RUNS] [M]\n");
    return 2;
  }
  if (std::string_view(argv[1]) == "--make-store" && argc > 2) {
    // For profiling by hand: the same store, for a bot started against `tugboat emulator` (whose
    // first two DMs, with alice and bob, get these ids when the emulator opens them).
    store_shape shape;
    shape.open_runs = argc > 3 ? std::stoi(argv[3]) : 10'000;
    shape.timers = argc > 4 ? std::stoi(argv[4]) : 100'000;
    shape.users = {"U0ALICE", "U0BOB"};
    shape.channels = {"D0000001", "D0000002"};
    make_store(argv[2], shape);
    return 0;
  }
  const std::string binary = argv[1];
  const int open_runs = argc > 2 ? std::stoi(argv[2]) : 10'000;
  std::vector<int> sizes;
  for (int i = 3; i < argc; ++i) sizes.push_back(std::stoi(argv[i]));
  if (sizes.empty()) sizes = {1'000, 10'000, 100'000};

  fmt::print("recovery: the real bot process started on a store with {} open runs (+{} finished) and M pending "
             "timers ({} overdue); load average {}\n",
             open_runs, open_runs, kOverdue, load_average());
  bool all_ok = true;
  std::vector<result> results;
  for (int m : sizes) {
    auto r = measure(binary, open_runs, m);
    const double ready_ms = std::max(r.hello_ms, r.fired_ms);
    const bool ran = r.hello_ms >= 0 && r.fired_ms >= 0;
    fmt::print(" M = {} timers (store {:.1f} MiB)\n", m, r.db_mib);
    row("start → connected (first hello)", fmt::format("{:.1f} ms", r.hello_ms), "(report)", ran);
    row("start → first due timer fired", fmt::format("{:.1f} ms", r.fired_ms), "(report)", ran);
    row("start → connected with the first timer fired", fmt::format("{:.1f} ms", ready_ms), "≤ 200 ms",
        ran && ready_ms <= 200);
    row("  bot CPU time by then", fmt::format("{:.1f} ms", r.ready.cpu_seconds * 1000), "(report)",
        ran);
    row("overdue timers fired (once each)", fmt::format("{}", r.timer_events), fmt::format("{}", kOverdue),
        r.timer_events == kOverdue);
    row("… after a restart (no second firing)", fmt::format("{}", r.timer_events_after), fmt::format("{}", kOverdue),
        r.restarted && r.timer_events_after == kOverdue);
    row("pending timers kept", fmt::format("{}", r.timers_left), fmt::format("{}", m - kOverdue),
        r.timers_left == m - kOverdue);
    row("unsent messages sent, interruptions told", r.sent_all ? "yes" : "no", "yes", r.sent_all);
    row("RSS peak (VmHWM)", fmt::format("{:.1f} MiB", r.settled.hwm_kib / 1024.0), "(report)", true);
    row("CPU time until settled", fmt::format("{:.1f} ms", r.settled.cpu_seconds * 1000), "(report)", true);
    row("clean exit on SIGTERM", fmt::format("exit {}", r.exit_code), "exit 0", r.exit_code == 0);
    all_ok &= ran && ready_ms <= 200 && r.timer_events == kOverdue && r.restarted && r.timer_events_after == kOverdue &&
              r.timers_left == m - kOverdue && r.sent_all && r.exit_code == 0;
    results.push_back(r);
  }
  if (results.size() > 1) {
    const auto& small = results.front();
    const auto& large = results.back();
    const double grow_mib = (large.settled.hwm_kib - small.settled.hwm_kib) / 1024.0;
    // SQLite's page cache is bounded (2 MiB by default), so pages touched may differ a little between
    // stores; anything beyond that would be memory that grows with the timers.
    const bool flat = grow_mib <= 1.0;
    row(fmt::format("RSS peak growth, M {} → {}", small.timers, large.timers), fmt::format("{:+.1f} MiB", grow_mib),
        "≤ +1 MiB (flat)", flat);
    all_ok &= flat;
  }
  fmt::print("  load average after: {}\n", load_average());
  return all_ok ? 0 : 1;
}
