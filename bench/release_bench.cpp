// Release benchmark (issue 5): many releases at once through the real `tugboat run` process and the
// emulator with Slack's rate limits on. Each release is requested in its own channel of one workspace
// and has the same 20 new failures over a generated repository, owned by five people; the figure is the
// time from the requests until every owner of every release is tagged, divided by the least time Slack's
// limits allow for the posts that takes (so 1.0 means Tugboat adds nothing), with the bot's CPU time and
// peak RSS.
//   release_bench TUGBOAT_BINARY [RELEASES=200]
// RELEASE_BENCH_LOG=info prints the bot's log at the end.
#include <fmt/format.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bench/bot_process.hpp"
#include "bench/proc_stats.hpp"
#include "core/subprocess.hpp"
#include "slack/emulator/emulator.hpp"
#include "tests/support/child.hpp"

using namespace std::chrono_literals;
using tugboat::bench::load_average;
using tugboat::bench::row;
using tugboat::bench::sample;
using tugboat::testing::child;
using tugboat::testing::temp_dir;
namespace fs = std::filesystem;

namespace {

constexpr int kFailures = 20;
constexpr int kFiles = 10;
constexpr int kLines = 600;
constexpr int kNoiseCommits = 40;

struct author {
  std::string name;
  std::string email;
  std::string tz;
  int tz_offset;
};
const std::vector<author> kOwners = {
    {"Ada Lovelace", "ada@example.com", "Europe/London", 0},
    {"Ben Okafor", "ben@example.com", "Africa/Lagos", 3600},
    {"Chen Wei", "chen@example.com", "Asia/Shanghai", 28800},
    {"Dora Silva", "dora@example.com", "America/Sao_Paulo", -10800},
    {"Emil Novak", "emil@example.com", "Europe/Prague", 3600},
};

void git(const fs::path& repo, std::vector<std::string> args, const author& who, int day) {
  args.insert(args.begin(), {"git", "-C", repo.string()});
  tugboat::proc::spawn_options o;
  o.argv = std::move(args);
  const auto date = fmt::format("2026-10-{:02} 10:00:00 +0000", 1 + day % 28);
  o.env = {{"GIT_AUTHOR_NAME", who.name},      {"GIT_AUTHOR_EMAIL", who.email}, {"GIT_COMMITTER_NAME", who.name},
           {"GIT_COMMITTER_EMAIL", who.email}, {"GIT_AUTHOR_DATE", date},       {"GIT_COMMITTER_DATE", date},
           {"GIT_CONFIG_NOSYSTEM", "1"},       {"HOME", repo.parent_path().string()}};
  auto r = tugboat::proc::run(o);
  if (!r.ok()) throw std::runtime_error(fmt::format("git {} failed: {} {}", o.argv[3], r.describe(), r.err));
}

// The failure i points at line failure_line(i) of file i % kFiles, changed after the tag by owner i % 5.
int failure_line(int i) { return 50 + 200 * (i / kFiles); }
std::string file_name(int f) { return fmt::format("src/module{}.cpp", f); }

struct repository {
  std::vector<std::vector<std::string>> files;  // current text of each file, line by line
  fs::path dir;

  void write() const {
    for (int f = 0; f < kFiles; ++f) {
      std::ofstream out(dir / file_name(f));
      for (const auto& line : files[static_cast<std::size_t>(f)]) out << line << '\n';
    }
  }
};

// A repository with a release tag v2.0.0 and 60 commits after it: one per failure, at the failing line,
// and noise commits by everyone elsewhere in the same files.
void make_repo(const fs::path& dir) {
  repository r;
  r.dir = dir;
  fs::create_directories(dir / "src");
  const author founder{"Founder", "founder@example.com", "UTC", 0};
  git(dir, {"init", "-q", "-b", "main"}, founder, 0);
  r.files.resize(kFiles);
  for (int f = 0; f < kFiles; ++f) {
    for (int l = 1; l <= kLines; ++l) r.files[static_cast<std::size_t>(f)].push_back(fmt::format("  int m{}_v{} = {};", f, l, l));
  }
  r.write();
  git(dir, {"add", "-A"}, founder, 0);
  git(dir, {"commit", "-q", "-m", "Initial import"}, founder, 0);
  git(dir, {"tag", "v2.0.0"}, founder, 0);
  for (int i = 0; i < kFailures + kNoiseCommits; ++i) {
    const bool failure = i < kFailures;
    const int f = i % kFiles;
    const int line = failure ? failure_line(i) : 400 + (i * 7) % 180;
    const auto& who = kOwners[static_cast<std::size_t>(i % static_cast<int>(kOwners.size()))];
    r.files[static_cast<std::size_t>(f)][static_cast<std::size_t>(line - 1)] =
        fmt::format("  int m{}_v{} = compute_{}({});  // change {}", f, line, i, line, i);
    r.write();
    git(dir, {"add", "-A"}, who, 1 + i / 3);
    git(dir, {"commit", "-q", "-m", fmt::format("{} module {} step {}", failure ? "Rework" : "Tidy", f, i)}, who,
        1 + i / 3);
  }
}

void make_report(const fs::path& path) {
  std::ofstream out(path);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  for (int f = 0; f < kFiles; ++f) {
    out << fmt::format("  <testsuite name=\"Module{}Test\">\n", f);
    for (int t = 0; t < 20; ++t) {
      const int i = f + kFiles * t;  // failures are the first kFailures of these
      out << fmt::format("    <testcase name=\"Case{}\" classname=\"Module{}Test\"", t, f);
      if (i < kFailures) {
        out << fmt::format(" file=\"{0}\" line=\"{1}\">\n      <failure message=\"{0}:{1}: expected 1, got 2\"/>\n"
                           "    </testcase>\n",
                           file_name(f), failure_line(i));
      } else {
        out << "/>\n";
      }
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

// What the bot posted, watched from the emulator thread.
struct watcher {
  std::mutex m;
  std::set<std::pair<std::string, std::string>> seen;  // channel, ts of every bot post
  std::map<std::string, std::vector<std::uint64_t>> post_seqs;  // per channel, seq of each post
  std::map<std::string, std::vector<std::uint64_t>> tag_seqs;   // per channel, seq of each tag
  std::size_t channels_done = 0;
  std::size_t tags = 0;
  std::chrono::steady_clock::time_point last_tag;
  std::size_t owners = 0;

  void on(const tugboat::slack::emulated_message& msg) {
    if (msg.bot_id.empty() || !msg.ephemeral_to.empty()) return;
    std::lock_guard lock(m);
    if (!seen.emplace(msg.channel, msg.ts).second) return;  // an edit
    post_seqs[msg.channel].push_back(msg.seq);
    const bool tag = std::any_of(msg.buttons.begin(), msg.buttons.end(),
                                 [](const auto& b) { return b.action_id == "release_on_it"; });
    if (!tag) return;
    auto& channel_tags = tag_seqs[msg.channel];
    channel_tags.push_back(msg.seq);
    ++tags;
    last_tag = std::chrono::steady_clock::now();
    if (channel_tags.size() == owners) ++channels_done;
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: release_bench TUGBOAT_BINARY [RELEASES]\n");
    return 2;
  }
  const std::string binary = argv[1];
  const std::size_t releases = argc > 2 ? std::stoul(argv[2]) : 200;

  temp_dir dir;
  const fs::path repo = fs::path(dir.path()) / "repo";
  make_repo(repo);
  fs::create_directories(fs::path(dir.path()) / "qa");
  make_report(fs::path(dir.path()) / "qa" / "unit.xml");

  // Slack's documented limits, the same the bot's client assumes: chat.postMessage 1/s per channel with
  // short bursts and several hundred per minute across the workspace (here 300/min, bursts of 30).
  tugboat::slack::emulator_settings settings;
  settings.rate_limits = true;
  settings.limits.post_workspace_per_minute = 300;
  settings.limits.post_workspace_burst = 30;
  settings.ack_timeout = 10s;
  tugboat::slack::emulator emu(settings);
  emu.start();
  for (const auto& o : kOwners) {
    tugboat::slack::user_profile p;
    p.name = o.email.substr(0, o.email.find('@'));
    p.real_name = o.name;
    p.email = o.email;
    p.tz = o.tz;
    p.tz_offset = o.tz_offset;
    emu.add_user(p);
  }
  std::vector<std::string> channels;
  for (std::size_t i = 0; i < releases; ++i) channels.push_back(emu.add_channel(fmt::format("release-{:03}", i)));

  watcher w;
  w.owners = kOwners.size();
  emu.subscribe([&w](const tugboat::slack::emulated_message& m) { w.on(m); });

  {
    std::ofstream cfg(dir.file("tugboat.toml"));
    cfg << fmt::format(R"toml([store]
path = "tugboat.db"
[slack]
connections = 2
[log]
level = "{level}"
[release]
repo = "{repo}"
qa_junit = ["{qa}"]
manager = "U0ERIN"
release_command = ["/bin/true"]
work_dir = "{work}"
[reminders]
every = "24h"
)toml",
                       fmt::arg("level", std::getenv("RELEASE_BENCH_LOG") ? std::getenv("RELEASE_BENCH_LOG") : "warn"),
                       fmt::arg("repo", repo.string()), fmt::arg("qa", dir.file("qa") + "/*.xml"),
                       fmt::arg("work", dir.file("work")));
  }
  child bot = tugboat::bench::start_bot(binary, dir.file("tugboat.toml"), emu, dir.file("bot.log"));
  if (!emu.wait_for_connections(2, 10s)) {
    fmt::print(stderr, "the bot did not connect:\n{}", bot.log());
    return 1;
  }
  const auto before = sample(bot.pid());

  const auto started = std::chrono::steady_clock::now();
  for (const auto& c : channels) emu.mention("U0ALICE", c, "<@U0BOT> please do a release");

  // Everyone tagged, or no tag for a long while (something is stuck).
  std::size_t done = 0;
  for (;;) {
    std::this_thread::sleep_for(100ms);
    std::lock_guard lock(w.m);
    done = w.channels_done;
    if (done == releases) break;
    const auto quiet_since = w.tags > 0 ? w.last_tag : started;
    if (std::chrono::steady_clock::now() - quiet_since > 120s) break;
  }
  std::chrono::steady_clock::time_point last_tag;
  {
    std::lock_guard lock(w.m);
    last_tag = w.last_tag;
  }
  const double actual_s = std::chrono::duration<double>(last_tag - started).count();
  std::this_thread::sleep_for(3s);  // anything said twice would show now
  const auto after = sample(bot.pid());

  // The least time Slack's limits allow: every post up to each channel's last tag has to go through the
  // workspace bucket and its channel's bucket (a burst, then the refill rate).
  std::size_t needed = 0, most_in_channel = 0, duplicates = 0;
  {
    std::lock_guard lock(w.m);
    for (const auto& [channel, tags] : w.tag_seqs) {
      if (tags.size() > w.owners) duplicates += tags.size() - w.owners;
      const auto last = *std::max_element(tags.begin(), tags.end());
      const auto& posts = w.post_seqs[channel];
      const auto n = static_cast<std::size_t>(std::count_if(posts.begin(), posts.end(), [&](auto s) { return s <= last; }));
      needed += n;
      most_in_channel = std::max(most_in_channel, n);
    }
  }
  const auto& l = settings.limits;
  const double workspace_s =
      std::max(0.0, static_cast<double>(needed) - l.post_workspace_burst) / (l.post_workspace_per_minute / 60.0);
  const double channel_s = std::max(0.0, static_cast<double>(most_in_channel) - l.post_burst) / l.post_per_channel_per_second;
  const double minimum_s = std::max(workspace_s, channel_s);
  const double ratio = minimum_s > 0 ? actual_s / minimum_s : 0;

  const auto stats = emu.stats();
  auto calls = [&stats](std::string_view method) {
    for (const auto& [name, count] : stats.api_calls)
      if (name == method) return count;
    return std::uint64_t{0};
  };

  fmt::print("release: {} releases at once, {} new failures each over a generated repository, {} owners each;\n"
             "         Slack's limits on (chat.postMessage {}/min across the workspace, bursts of {}; {}/s per channel)\n",
             releases, kFailures, kOwners.size(), l.post_workspace_per_minute, l.post_workspace_burst,
             l.post_per_channel_per_second);
  const bool all_tagged = done == releases;
  row("releases with every owner tagged", fmt::format("{}/{}", done, releases), "all", all_tagged);
  row("tags posted twice", fmt::format("{}", duplicates), "0", duplicates == 0);
  row("posts needed up to the last tag", fmt::format("{}", needed), "(report)", true);
  row("least time Slack's limits allow", fmt::format("{:.1f} s", minimum_s), "(report)", true);
  row("time until everyone is tagged", fmt::format("{:.1f} s", actual_s), "(report)", true);
  row("actual ÷ rate-limit minimum", fmt::format("{:.3f}", ratio), "≤ 1.1", all_tagged && ratio <= 1.1);
  row("bot CPU (own threads / git children)",
      fmt::format("{:.1f} / {:.1f} s", after.cpu_seconds - before.cpu_seconds,
                  after.children_seconds - before.children_seconds),
      "(report)", true);
  row("bot peak RSS", fmt::format("{:.1f} MiB", after.hwm_kib / 1024.0), "(report)", true);
  row("429 answers / chat.update calls", fmt::format("{} / {}", stats.responses_429, calls("chat.update")), "(report)",
      true);
  row("users.lookupByEmail / users.info calls",
      fmt::format("{} / {}", calls("users.lookupByEmail"), calls("users.info")), "(report)", true);
  fmt::print("  load average: {}\n", load_average());

  bot.signal(SIGTERM);
  const int rc = bot.wait(10s);
  if (std::getenv("RELEASE_BENCH_LOG") || !all_tagged) fmt::print("--- bot log ---\n{}", bot.log());
  emu.stop();
  return all_tagged && duplicates == 0 && ratio <= 1.1 && rc == 0 ? 0 : 1;
}
