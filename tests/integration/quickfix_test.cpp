// Quick fixes by DM through the real binary and the emulator: results, queueing, timeouts that kill
// whole process trees, and SIGKILL at random moments with nothing lost and nothing said twice.
#include <doctest/doctest.h>
#include <signal.h>

#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "tests/integration/bot_fixture.hpp"

using namespace tugboat;
using namespace tugboat::testing;

namespace {

std::string write_script(const temp_dir& dir, const std::string& name, const std::string& body) {
  auto path = dir.file(name);
  {
    std::ofstream out(path);
    out << "#!/usr/bin/env bash\nset -u\n" << body;
  }
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return path;
}

std::string quickfix_config(const std::string& program, int max_parallel, const std::string& timeout) {
  return fmt::format("[quickfix]\ncommand = [\"{}\", \"{{text}}\", \"{{run}}\"]\nmax_parallel = {}\ntimeout = \"{}\"\n",
                     program, max_parallel, timeout);
}

bool contains(const std::string& haystack, std::string_view needle) { return haystack.find(needle) != std::string::npos; }

// The bot's messages in a DM, by the thread they are in.
std::map<std::string, std::vector<slack::emulated_message>> by_thread(const std::vector<slack::emulated_message>& all) {
  std::map<std::string, std::vector<slack::emulated_message>> out;
  for (const auto& m : all) out[m.thread_ts].push_back(m);
  return out;
}

bool is_final(const slack::emulated_message& m) {
  return contains(m.text, ":white_check_mark:") || contains(m.text, ":x:") || contains(m.text, "needs attention") ||
         contains(m.text, ":hourglass:") || contains(m.text, ":no_entry_sign:");
}

}  // namespace

TEST_CASE("a DM becomes a quick fix whose result, output and links come back in its thread") {
  temp_dir scripts;
  auto agent = write_script(scripts, "agent",
                            "echo \"working on: $1 as $2 for $TUGBOAT_USER\"\necho 'PR: https://git.example/pr/9'\n");
  bot_fixture f({.extra_config = quickfix_config(agent, 1, "30s")});
  f.start_bot();
  auto asked = f.emu().dm("U0BOB", "fix the typo in the install docs");
  auto got = f.replies(2, asked.channel);
  REQUIRE(got.size() == 2);
  CHECK(contains(got[0].text, "QF-1* is running"));
  CHECK(got[1].thread_ts == asked.ts);
  CHECK(contains(got[1].text, "done in"));
  CHECK(contains(got[1].text, "working on: fix the typo in the install docs as QF-1 for U0BOB"));
  CHECK(contains(got[1].text, "Links: https://git.example/pr/9"));
}

TEST_CASE("with max_parallel 1, three requests run one after another and the waiting ones know their place") {
  temp_dir scripts;
  auto marks = scripts.file("marks");
  auto agent = write_script(scripts, "agent",
                            fmt::format("echo \"start $2 $(date +%s%N)\" >> {0}\nsleep 0.3\necho \"end $2 $(date +%s%N)\" >> {0}\n", marks));
  bot_fixture f({.extra_config = quickfix_config(agent, 1, "30s")});
  f.start_bot();
  auto a = f.emu().dm("U0BOB", "first");
  auto b = f.emu().dm("U0ALICE", "second");
  auto c = f.emu().dm("U0CAROL", "third");
  auto all = f.emu().wait_for_messages(
      [](const std::vector<slack::emulated_message>& ms) {
        int finals = 0;
        for (const auto& m : ms) finals += is_final(m) ? 1 : 0;
        return finals == 3;
      },
      30s);
  auto threads = by_thread(all);
  CHECK(contains(threads[b.ts].front().text, "queued: 0 ahead"));
  CHECK(contains(threads[c.ts].front().text, "queued: 1 ahead"));
  // The runs never overlapped: each start follows the previous end.
  std::ifstream in(marks);
  std::vector<std::string> order;
  for (std::string word, run, when; in >> word >> run >> when;) order.push_back(word + " " + run);
  CHECK(order == std::vector<std::string>{"start QF-1", "end QF-1", "start QF-2", "end QF-2", "start QF-3", "end QF-3"});
  (void)a;
}

TEST_CASE("a quick fix that runs too long is stopped with its children, and says so") {
  temp_dir scripts;
  auto child_pid = scripts.file("child.pid");
  auto agent = write_script(scripts, "agent", fmt::format("sleep 300 &\necho $! > {}\nwait\n", child_pid));
  bot_fixture f({.extra_config = quickfix_config(agent, 1, "1s")});
  f.start_bot();
  auto asked = f.emu().dm("U0BOB", "take forever");
  auto got = f.replies(2, asked.channel, 20s);
  REQUIRE(got.size() == 2);
  CHECK(contains(got[1].text, "timed out"));
  std::ifstream in(child_pid);
  int pid = 0;
  in >> pid;
  REQUIRE(pid > 0);
  // The grandchild (sleep) died with its process group, not only the script.
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = ::kill(pid, 0) != 0;
    if (!gone) std::this_thread::sleep_for(20ms);
  }
  CHECK(gone);
}

TEST_CASE("cancel stops a running quick fix") {
  temp_dir scripts;
  auto agent = write_script(scripts, "agent", "sleep 30\n");
  bot_fixture f({.extra_config = quickfix_config(agent, 1, "5m")});
  f.start_bot();
  auto asked = f.emu().dm("U0BOB", "slow work");
  f.replies(1, asked.channel);
  f.emu().dm("U0BOB", "cancel QF-1");
  auto got = f.emu().wait_for_messages(
      [](const std::vector<slack::emulated_message>& ms) {
        for (const auto& m : ms) {
          if (contains(m.text, "was cancelled")) return true;
        }
        return false;
      },
      15s, asked.channel);
  CHECK(std::any_of(got.begin(), got.end(), [](const auto& m) { return contains(m.text, "was cancelled by @U0BOB") || contains(m.text, "was cancelled by <@U0BOB>"); }));
}

TEST_CASE("killed with SIGKILL at random moments, every quick fix ends with exactly one outcome") {
  temp_dir scripts;
  auto agent = write_script(scripts, "agent", "sleep 0.$((RANDOM % 5 + 1))\necho \"did $2\"\n");
  bot_fixture f({.extra_config = quickfix_config(agent, 3, "30s")});
  f.start_bot();
  std::mt19937 rng(20261125);
  std::vector<std::string> threads;
  for (int i = 0; i < 20; ++i) {
    threads.push_back(f.emu().dm(i % 2 ? "U0BOB" : "U0ALICE", fmt::format("request number {}", i)).ts);
    if (i % 5 == 4) {
      std::this_thread::sleep_for(std::chrono::milliseconds{std::uniform_int_distribution<int>(50, 400)(rng)});
      f.bot().signal(SIGKILL);
      f.bot().wait(5s);
      f.start_bot(false);
    }
  }
  // Let everything settle; then one more crash and restart for good measure.
  std::this_thread::sleep_for(std::chrono::milliseconds{std::uniform_int_distribution<int>(100, 600)(rng)});
  f.bot().signal(SIGKILL);
  f.bot().wait(5s);
  f.start_bot(false);

  auto all = f.emu().wait_for_messages(
      [&](const std::vector<slack::emulated_message>& ms) {
        std::map<std::string, int> finals;
        for (const auto& m : ms) {
          if (is_final(m)) ++finals[m.thread_ts];
        }
        return finals.size() == threads.size();
      },
      60s);
  auto grouped = by_thread(all);
  int results = 0;
  int interrupted = 0;
  for (const auto& ts : threads) {
    const auto& msgs = grouped[ts];
    int finals = 0;
    std::map<std::string, int> texts;
    for (const auto& m : msgs) {
      finals += is_final(m) ? 1 : 0;
      ++texts[m.text];
    }
    CHECK_MESSAGE(finals == 1, "thread " << ts << " has " << finals << " outcomes");
    for (const auto& [text, n] : texts) CHECK_MESSAGE(n == 1, "said twice in " << ts << ": " << text);
    for (const auto& m : msgs) {
      results += contains(m.text, ":white_check_mark:") ? 1 : 0;
      interrupted += contains(m.text, "needs attention") ? 1 : 0;
    }
  }
  MESSAGE("20 requests, 5 SIGKILLs: " << results << " results, " << interrupted << " interruption notices");
  CHECK(results + interrupted == 20);
}
