// Engine throughput (issue 3): quick-fix runs started → finished per second with a trivial command
// (/bin/true), on a real SQLite file, with the real job runner (child processes on worker threads) and
// the engine committing every decision. No Slack: outbox rows are written but not sent.
//   engine_bench [RUNS] [MAX_PARALLEL]
#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>

#include "core/log.hpp"
#include "store/database.hpp"
#include "workflows/engine/engine.hpp"
#include "workflows/engine/job_runner.hpp"
#include "workflows/quickfix/quickfix.hpp"

using namespace tugboat;

int main(int argc, char** args) {
  const int runs = argc > 1 ? std::atoi(args[1]) : 1000;
  const int parallel = argc > 2 ? std::atoi(args[2]) : 4;
  log::set_level(log::level::warn);
  auto path = std::filesystem::temp_directory_path() / fmt::format("tugboat-engine-bench-{}.db", ::getpid());
  int finished = 0;
  double seconds = 0;
  {
    boost::asio::io_context io(1);
    // The job threads post results back: keep the loop alive while it has nothing else to do.
    auto guard = boost::asio::make_work_guard(io);
    system_clock_source clock;
    store::database db({path.string()});
    std::unique_ptr<workflows::job_runner> jobs;
    workflows::engine eng(db, clock,
                          {[](const std::string&) {}, [] {}, [&](std::int64_t id) { jobs->start(id); },
                           [&](std::int64_t id) { jobs->kill(id); }});
    workflows::quickfix_settings qs;
    qs.command = {"/bin/true", "{text}"};
    qs.max_parallel = parallel;
    eng.add(std::make_unique<workflows::quickfix_workflow>(qs));
    jobs = std::make_unique<workflows::job_runner>(io.get_executor(), eng);

    const auto start = std::chrono::steady_clock::now();
    boost::asio::post(io, [&] {
      for (int i = 0; i < runs; ++i) {
        eng.create("quickfix", slack::channel_id("D0BENCH"), slack::message_ts(fmt::format("{}.0", i)),
                   slack::user_id("U0BENCH"), {{"text", fmt::format("request {}", i)}});
      }
    });
    // Run until every run has ended.
    while (finished < runs) {
      io.run_for(std::chrono::milliseconds{50});
      store::run_filter f;
      f.open_only = true;
      f.limit = 1;
      finished = eng.list(f).empty() ? runs : finished;
    }
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    jobs->shutdown();
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
  fmt::print("engine: {} quick-fix runs (/bin/true), max_parallel {}, real SQLite file\n", runs, parallel);
  fmt::print("  {:<44} {:>14}   target {}\n", "runs started → finished per second", fmt::format("{:.0f}", runs / seconds),
             "(report)");
  fmt::print("  {:<44} {:>14}\n", "wall time", fmt::format("{:.2f} s", seconds));
  return 0;
}
