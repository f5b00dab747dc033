// Ingest benchmark (issue 2): the real `tugboat run` (a separate process) against the in-process
// emulator over loopback. Prints each figure beside its target.
//   ingest_bench TUGBOAT_BINARY [EVENTS]
// Events are realistic ~1.5 KB channel message envelopes; the bot records each in its SQLite inbox
// (durable before ack), acks it, routes it (a channel message without a mention is ignored) and marks
// it handled — the whole event path except a reply.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "bench/bot_process.hpp"
#include "bench/proc_stats.hpp"
#include "slack/emulator/emulator.hpp"
#include "tests/support/child.hpp"

using namespace std::chrono_literals;
using tugboat::bench::load_average;
using tugboat::bench::row;
using tugboat::bench::sample;
using tugboat::testing::child;
using tugboat::testing::temp_dir;

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: ingest_bench TUGBOAT_BINARY [EVENTS]\n");
    return 2;
  }
  const std::string binary = argv[1];
  const std::size_t events = argc > 2 ? std::stoul(argv[2]) : 20'000;
  bool all_ok = true;

  tugboat::slack::emulator_settings settings;
  settings.rate_limits = false;
  settings.ack_timeout = 30s;  // measure latency, do not redeliver
  settings.refresh_grace = 2s;
  tugboat::slack::emulator emu(settings);
  emu.start();

  temp_dir dir;
  {
    std::ofstream cfg(dir.file("tugboat.toml"));
    cfg << "[store]\npath = \"tugboat.db\"\n[slack]\nconnections = 2\nrate_limits = false\n[log]\nlevel = \"warn\"\n";
  }
  const auto spawned = std::chrono::steady_clock::now();
  child bot = tugboat::bench::start_bot(binary, dir.file("tugboat.toml"), emu, dir.file("bot.log"));
  if (!emu.wait_for_connections(1, 10s)) {
    fmt::print(stderr, "the bot did not connect:\n{}", bot.log());
    return 1;
  }
  const auto hello_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - spawned).count();
  emu.wait_for_connections(2, 10s);
  std::this_thread::sleep_for(300ms);  // settle
  const auto idle = sample(bot.pid());

  fmt::print("ingest: {} envelopes of ~1.5 KB, the real bot process, SQLite inbox on disk\n", events);
  row("start → hello", fmt::format("{:.1f} ms", hello_ms), "≤ 50 ms", hello_ms <= 50);
  row("RSS idle", fmt::format("{:.1f} MiB", idle.rss_kib / 1024.0), "≤ 10 MiB", idle.rss_kib <= 10 * 1024);

  // Full speed.
  const auto before = sample(bot.pid());
  emu.flood({.count = events, .per_second = 0, .payload_bytes = 1500, .channel = "C0002", .user = "U0ALICE"});
  auto full = emu.flood_wait(120s);
  // Handling trails the acks a little: wait until the bot is idle before reading its CPU time.
  std::this_thread::sleep_for(500ms);
  const auto after = sample(bot.pid());
  const auto summary = tugboat::slack::summarize_latencies(full.ack_latency_us);
  const double secs = static_cast<double>(full.elapsed.count()) / 1e6;
  const double cpu_us = (after.cpu_seconds - before.cpu_seconds) * 1e6 / static_cast<double>(events);
  row("acked", fmt::format("{}/{}", full.acked, full.sent), "all", full.finished);
  row("acks per second (full speed)", fmt::format("{:.0f}", static_cast<double>(full.acked) / secs), "(bolt-js ≈5,300)", true);
  row("ack latency p50 / p99 (full speed)", fmt::format("{:.2f}/{:.2f} ms", summary.p50_us / 1000, summary.p99_us / 1000),
      "(report)", true);
  row("CPU per event (inbox write included)", fmt::format("{:.1f} µs", cpu_us), "≤ 10 µs", cpu_us <= 10);
  row("wake-ups per event", fmt::format("{:.2f}", static_cast<double>(after.runs - before.runs) / static_cast<double>(events)),
      "(report)", true);
  all_ok &= full.finished && cpu_us <= 10;

  // 1,000 events per second, with a refresh of every connection in the middle.
  const std::size_t paced = std::min<std::size_t>(events, 10'000);
  emu.flood({.count = paced, .per_second = 1000, .payload_bytes = 1500, .channel = "C0002", .user = "U0ALICE"});
  std::this_thread::sleep_for(std::chrono::milliseconds(paced / 2));
  emu.send_disconnect(tugboat::slack::disconnect_reason::refresh_requested);
  std::size_t min_open = 99;
  const auto watch_until = std::chrono::steady_clock::now() + 4s;
  while (std::chrono::steady_clock::now() < watch_until) {
    min_open = std::min(min_open, emu.open_connections());
    std::this_thread::sleep_for(1ms);
  }
  auto steady = emu.flood_wait(60s);
  const auto s2 = tugboat::slack::summarize_latencies(steady.ack_latency_us);
  const auto peak = sample(bot.pid());
  row("acked at 1,000/s (refresh mid-way)", fmt::format("{}/{}", steady.acked, steady.sent), "all", steady.finished);
  row("ack latency p50 / p99 at 1,000/s", fmt::format("{:.2f}/{:.2f} ms", s2.p50_us / 1000, s2.p99_us / 1000),
      "p99 ≤ 1 ms", s2.p99_us <= 1000);
  row("max ack latency at 1,000/s (incl. refresh)", fmt::format("{:.2f} ms", s2.max_us / 1000), "(report)", true);
  row("fewest connections open during refresh", fmt::format("{}", min_open), "≥ 1 (no gap)", min_open >= 1);
  row("RSS peak", fmt::format("{:.1f} MiB", peak.hwm_kib / 1024.0), "≤ 32 MiB", peak.hwm_kib <= 32 * 1024);
  all_ok &= steady.finished && s2.p99_us <= 1000 && min_open >= 1 && peak.hwm_kib <= 32 * 1024 && hello_ms <= 50 &&
            idle.rss_kib <= 10 * 1024;

  bot.signal(SIGTERM);
  const int rc = bot.wait(10s);
  row("clean exit on SIGTERM", fmt::format("exit {}", rc), "exit 0", rc == 0);
  fmt::print("  load average: {} (timings swing with it; CPU per event much less)\n", load_average());
  emu.stop();
  return all_ok && rc == 0 ? 0 : 1;
}
