// Releases through the real binary and the emulator, over real sockets, with a real git repository and
// real JUnit reports: the whole conversation from "please do a release" to the announcement, the
// refusals, bad QA input and a failing release command that can be retried, one release per channel,
// and SIGKILL at every step with nothing said twice and nothing lost.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "tests/integration/bot_fixture.hpp"
#include "tests/workflows/repo_builder.hpp"

using namespace tugboat;
using namespace tugboat::testing;

namespace {

namespace fs = std::filesystem;
using message = slack::emulated_message;
using messages = std::vector<message>;

const std::string kChannel = "C0001";  // #releases
const identity kAlice{"Alice Archer", "alice@example.com"};
const identity kBob{"Bob Becker", "bob@example.com"};
const identity kCarol{"Carol Chandra", "carol@example.com"};

// Two failures, each pointing at a line changed after v1.3.0: parser.cpp:12 (alice), render.cpp:20 (bob,
// with carol's change two lines below it).
constexpr std::string_view kFailing = R"xml(<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="ParserTest" tests="2" failures="1">
    <testcase name="ParsesEmptyHeader" classname="ParserTest">
      <failure message="src/parser.cpp:12: expected 0, got 1"/>
    </testcase>
    <testcase name="ParsesComments" classname="ParserTest"/>
  </testsuite>
  <testsuite name="RenderTest" tests="2" failures="1">
    <testcase name="RendersTables" classname="RenderTest">
      <failure message="src/render.cpp:20: expected 3 columns, got 2"/>
    </testcase>
    <testcase name="RendersLinks" classname="RenderTest"/>
  </testsuite>
</testsuites>
)xml";

constexpr std::string_view kPassing = R"xml(<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="ParserTest" tests="2" failures="0">
    <testcase name="ParsesEmptyHeader" classname="ParserTest"/>
    <testcase name="ParsesComments" classname="ParserTest"/>
  </testsuite>
</testsuites>
)xml";

constexpr std::string_view kBroken = R"xml(<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="ParserTest" tests="2" failures="1">
    <testcase name="ParsesEmptyHeader" classname="ParserTest">
      <failure message="src/parser.cpp:12
)xml";

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, std::string_view text) {
  // Whole or not at all: the bot may read it at any moment.
  const auto tmp = path + ".tmp";
  std::ofstream(tmp) << text;
  fs::rename(tmp, path);
}

std::string write_script(const temp_dir& dir, const std::string& name, const std::string& body) {
  auto path = dir.file(name);
  std::ofstream(path) << "#!/usr/bin/env bash\nset -u\n" << body;
  fs::permissions(path, fs::perms::owner_all);
  return path;
}

std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Polls a condition that no message announces (a file, a process, an ack).
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 20s,
                std::chrono::milliseconds every = 10ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(every);
  }
  return true;
}

// Gone, or a zombie nobody reaped yet (in a container PID 1 may not reap orphans).
bool process_gone(int pid) {
  if (::kill(pid, 0) != 0) return true;
  auto stat = read_file(fmt::format("/proc/{}/stat", pid));
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z';
}

// The sample project: a repository with tag v1.3.0 and three commits after it, its QA report, and a
// release command that records its argv (and can be told to hang or to fail).
struct world {
  temp_dir dir;
  repo_builder repo;
  std::string alice_sha, bob_sha, head;
  std::string qa_dir = dir.file("qa");
  std::string marker = dir.file("shipped");  // one line per release command run: its argv
  std::string hold = dir.file("hold");       // exists: the release command hangs (sleep, pid in hold_pid)
  std::string hold_pid = dir.file("hold_pid");
  std::string fail = dir.file("fail");  // exists: the release command fails
  std::string ship;

  world() {
    repo.write("src/parser.cpp", numbered_lines("  int parse_step =", 40));
    repo.write("src/render.cpp", numbered_lines("  int render_step =", 30));
    repo.write("README.md", "# acme\n");
    repo.commit(kCarol, "Initial import", 0);
    repo.git({"tag", "v1.3.0"});
    repo.set_line("src/parser.cpp", 12, "  if (header.empty()) return header.size();");
    alice_sha = repo.commit(kAlice, "Parse empty headers", 3);
    repo.set_line("src/render.cpp", 20, "  columns = cells.size() - 1;");
    bob_sha = repo.commit(kBob, "Faster table rendering", 5);
    repo.set_line("src/render.cpp", 22, "  widths.resize(columns);");
    head = repo.commit(kCarol, "Resize widths with the columns", 6);
    fs::create_directories(qa_dir);
    ship = write_script(dir, "ship",
                        fmt::format(R"sh(echo "$*" >> {marker}
if [ -f {hold} ]; then
  sleep 60 &
  echo $! > {hold_pid}.tmp && mv {hold_pid}.tmp {hold_pid}
  wait
fi
if [ -f {fail} ]; then
  echo "uploading acme $1"
  echo "upload failed: 503 Service Unavailable" >&2
  exit 1
fi
echo "published acme $1"
)sh",
                                    fmt::arg("marker", marker), fmt::arg("hold", hold),
                                    fmt::arg("hold_pid", hold_pid), fmt::arg("fail", fail)));
  }

  void report(std::string_view xml) { write_file(qa_dir + "/unit.xml", xml); }
  static void flag(const std::string& path, bool on) {
    if (on) {
      std::ofstream(path) << "1\n";
    } else {
      fs::remove(path);
    }
  }

  std::string config(const std::string& every = "1h", const std::string& qa = {}) const {
    return fmt::format(R"toml(
[access]
release = ["U0ALICE", "U0BOB", "U0CAROL", "U0DAVE", "U0ERIN"]
releasers = ["U0DAVE"]

[release]
repo = "{repo}"
qa_junit = ["{qa}"]
manager = "U0ERIN"
release_command = ["{ship}", "{{version}}", "{{base}}", "{{head}}"]
work_dir = "{work}"

[reminders]
every = "{every}"
working_hours = "00:00-24:00"
working_days = "daily"
escalate_after = 2
)toml",
                       fmt::arg("repo", repo.path()), fmt::arg("qa", qa.empty() ? qa_dir + "/*.xml" : qa),
                       fmt::arg("ship", ship), fmt::arg("work", dir.file("work")), fmt::arg("every", every));
  }
};

// ---- reading the conversation -------------------------------------------------------------------------

std::string body(const message& m) {
  return m.text + "\n" + m.blocks_json;
}
bool visible(const message& m) {
  return !m.deleted && m.ephemeral_to.empty();
}
bool top_level(const message& m) {
  return m.thread_ts.empty() || m.thread_ts == m.ts;
}

int count(const messages& all, std::string_view needle) {
  int n = 0;
  for (const auto& m : all) n += visible(m) && contains(body(m), needle) ? 1 : 0;
  return n;
}

const message* find(const messages& all, std::string_view needle, std::string_view action = {}) {
  for (const auto& m : all) {
    if (!visible(m) || !contains(body(m), needle)) continue;
    if (!action.empty() && std::none_of(m.buttons.begin(), m.buttons.end(),
                                        [&](const auto& b) { return b.action_id == action; })) {
      continue;
    }
    return &m;
  }
  return nullptr;
}

// The first visible bot message in #releases that contains `needle` (and has a button `action`).
message wait_for(bot_fixture& f, std::string_view needle, std::string_view action = {},
                 std::chrono::milliseconds timeout = 20s) {
  auto all = f.emu().wait_for_messages(
      [&](const messages& ms) { return find(ms, needle, action) != nullptr; }, timeout, kChannel);
  const auto* m = find(all, needle, action);
  if (!m) {
    std::string seen;
    for (const auto& x : all) seen += "\n---\n" + body(x);
    const auto with_button = action.empty() ? std::string{} : " with a button " + std::string(action);
    FAIL("the bot never said \"" << needle << "\"" << with_button << "; it said:" << seen
                                 << "\n=== its log:\n"
                                 << f.all_logs());
  }
  return *m;
}

// An ephemeral message to `user` containing `needle`.
message wait_for_ephemeral(bot_fixture& f, const std::string& user, std::string_view needle,
                           const std::string& channel = kChannel) {
  auto pick = [&](const messages& ms) -> const message* {
    for (const auto& m : ms) {
      if (m.ephemeral_to == user && contains(body(m), needle)) return &m;
    }
    return nullptr;
  };
  auto all = f.emu().wait_for_messages([&](const messages& ms) { return pick(ms) != nullptr; }, 20s, channel);
  const auto* m = pick(all);
  if (!m) FAIL("no ephemeral message to " << user << " saying \"" << needle << "\"");
  return *m;
}

// Clicks the button labelled `label` (whose value ends with `value_suffix`, when given) as `user`.
void click(bot_fixture& f, const std::string& user, const message& m, std::string_view label,
           std::string_view value_suffix = {}) {
  for (const auto& b : m.buttons) {
    if (b.text == label && b.value.ends_with(value_suffix)) {
      f.emu().click(user, m.channel, m.ts, b.action_id, b.value);
      return;
    }
  }
  FAIL("no [" << label << "] button on: " << body(m));
}

// The newest state of a message (updates change text and buttons).
message current(bot_fixture& f, const message& m) {
  for (const auto& x : f.emu().messages(m.channel)) {
    if (x.ts == m.ts) return x;
  }
  FAIL("message " << m.ts << " disappeared");
  return m;
}

// Waits until the message `m` has been updated to contain `needle`.
message wait_updated(bot_fixture& f, const message& m, std::string_view needle) {
  auto all = f.emu().wait_for_messages(
      [&](const messages& ms) {
        return std::any_of(ms.begin(), ms.end(),
                           [&](const message& x) { return x.ts == m.ts && contains(body(x), needle); });
      },
      20s, m.channel);
  for (const auto& x : all) {
    if (x.ts == m.ts && contains(body(x), needle)) return x;
  }
  FAIL("message " << m.ts << " never came to say \"" << needle << "\"; it says: " << body(current(f, m))
                  << "\n=== the bot's log:\n"
                  << f.all_logs());
  return m;
}

void say(bot_fixture& f, const std::string& user, const std::string& text,
         const std::string& channel = kChannel) {
  f.emu().mention(user, channel, "<@U0BOT> " + text);
}

// Asks for `status` and returns the answer (the newest "Runs of this channel and yours").
message ask_status(bot_fixture& f, const std::string& user) {
  constexpr std::string_view kRuns = "*Runs of this channel and yours:*";
  const int before = count(f.emu().messages(kChannel), kRuns);
  say(f, user, "status");
  auto all =
      f.emu().wait_for_messages([&](const messages& ms) { return count(ms, kRuns) > before; }, 20s, kChannel);
  const message* last = nullptr;
  for (const auto& m : all) {
    if (visible(m) && contains(m.text, kRuns)) last = &m;
  }
  if (!last || count(all, kRuns) <= before) FAIL("no answer to status; the bot's log:\n" << f.all_logs());
  return *last;
}

// ---- crashing ------------------------------------------------------------------------------------------

// SIGKILLs whichever bot process is current the moment the emulator stores a new bot message matching
// `pred`: inside the Web API call, before the bot hears Slack's answer, so its outbox row stays
// "sending". Armed before whatever leads to the message, so the message cannot slip past it.
class crash_trap {
 public:
  crash_trap(bot_fixture& f, std::string what, std::function<bool(const message&)> pred)
      : f_(f), what_(std::move(what)), state_(std::make_shared<state>()) {
    state_->pid = f.bot().running() ? f.bot().pid() : 0;
    sub_ = f.emu().subscribe([s = state_, pred = std::move(pred)](const message& m) {
      if (m.user != "U0BOT" || m.edited > 0 || !m.ephemeral_to.empty() || s->fired.load()) return;
      const int pid = s->pid.load();
      if (pid > 0 && pred(m)) {
        s->killed = pid;
        s->fired = true;
        ::kill(pid, SIGKILL);
      }
    });
  }
  ~crash_trap() { f_.emu().unsubscribe(sub_); }
  crash_trap(const crash_trap&) = delete;
  crash_trap& operator=(const crash_trap&) = delete;

  // The bot is being replaced: aim at nothing meanwhile, then at the new process.
  void unaim() { state_->pid = 0; }
  void aim() { state_->pid = f_.bot().pid(); }

  // Waits until it went off, then starts the bot again (keeping `others` aimed at the live process).
  void wait_then_restart(std::initializer_list<crash_trap*> others = {});

 private:
  struct state {
    std::atomic<int> pid{0};
    std::atomic<int> killed{0};
    std::atomic<bool> fired{false};
  };
  bot_fixture& f_;
  std::string what_;
  std::shared_ptr<state> state_;
  int sub_ = 0;
};

// Starts the bot again after it was killed, keeping `traps` aimed at the live process.
void restart(bot_fixture& f, std::initializer_list<crash_trap*> traps = {}) {
  for (auto* t : traps) t->unaim();
  f.bot().wait(5s);
  f.start_bot(false);
  for (auto* t : traps) t->aim();
}

void kill_and_restart(bot_fixture& f, std::initializer_list<crash_trap*> traps = {}) {
  for (auto* t : traps) t->unaim();
  f.bot().signal(SIGKILL);
  restart(f, traps);
}

void crash_trap::wait_then_restart(std::initializer_list<crash_trap*> others) {
  f_.emu().wait_for_messages([&](const messages&) { return state_->fired.load(); }, 30s);
  if (!state_->fired.load()) FAIL("the bot never posted " << what_ << "; its log:\n" << f_.all_logs());
  MESSAGE("SIGKILL while posting " << what_);
  unaim();
  // It may have gone off in a process the caller killed and replaced anyway.
  if (state_->killed.load() == f_.bot().pid()) restart(f_, others);
}

// Does `action`, and kills the bot while it posts what matches `pred`; then starts it again.
void kill_when_posted(bot_fixture& f, std::string what, std::function<bool(const message&)> pred,
                      const std::function<void()>& action = {}) {
  crash_trap trap(f, std::move(what), std::move(pred));
  if (action) action();
  trap.wait_then_restart();
}

// Clicks, and SIGKILLs the bot as soon as the click is acknowledged (durable in its inbox, maybe not yet
// handled), then starts it again. Slack never redelivers a click: an unacknowledged one would show its
// user an error, so only an acknowledged click must survive the crash.
void click_then_kill(bot_fixture& f, const std::string& user, const message& m, std::string_view label) {
  const auto acked = f.emu().stats().envelopes_acked;
  click(f, user, m, label);
  REQUIRE(wait_until([&] { return f.emu().stats().envelopes_acked > acked; }, 20s, 1ms));
  MESSAGE("SIGKILL right after " << user << " clicked [" << label << "]");
  kill_and_restart(f);
}

std::function<bool(const message&)> saying(std::string needle) {
  return [needle = std::move(needle)](const message& m) { return contains(body(m), needle); };
}

// ---- the invariants after any number of crashes --------------------------------------------------------

// Every post carries its outbox key in its metadata: a key seen twice is a message said twice.
void check_no_key_twice(const messages& all) {
  std::map<std::string, int> keys;
  for (const auto& m : all) {
    if (visible(m) && m.user == "U0BOT" && !m.metadata_payload_json.empty()) ++keys[m.metadata_payload_json];
  }
  for (const auto& [key, n] : keys) CHECK_MESSAGE(n == 1, "posted " << n << " times: " << key);
}

// "<@U>, reminder k for REL-1" appears exactly once for k = 1..last, for every user reminded.
void check_reminders_once(const messages& all, const std::string& run) {
  for (const std::string user : {"U0ALICE", "U0BOB", "U0CAROL"}) {
    int last = 0;
    for (int k = 1; k < 100; ++k) {
      if (count(all, fmt::format("<@{}>, reminder {} for {}", user, k, run)) > 0) last = k;
    }
    for (int k = 1; k <= last; ++k) {
      CHECK_MESSAGE(count(all, fmt::format("<@{}>, reminder {} for {}", user, k, run)) == 1,
                    user << "'s reminder " << k << " was posted "
                         << count(all, fmt::format("<@{}>, reminder {} for {}", user, k, run)) << " times");
    }
  }
}

struct release_bot {
  world w;
  bot_fixture f;
  // `more_reminders`: lines added to the [reminders] section.
  explicit release_bot(const std::string& every = "1h", const std::string& qa = {},
                       std::vector<std::pair<std::string, std::string>> env = {},
                       const std::string& more_reminders = {})
      : f({.connections = 1,
           .ack_timeout = 1000ms,
           .extra_config = w.config(every, qa) + more_reminders,
           .env = std::move(env)}) {}
};

// Request → summary and tags for alice and bob; returns {root, alice's tag, bob's tag}.
struct tagged {
  message root, alice, bob;
};
tagged request_and_wait_for_tags(release_bot& b, const std::string& version_arg = {}) {
  say(b.f, "U0DAVE", version_arg.empty() ? "please do a release" : "release " + version_arg);
  tagged t;
  t.alice = wait_for(b.f, "<@U0ALICE>, 1 new failure in REL-1 looks like yours", "release_fixed");
  t.bob = wait_for(b.f, "<@U0BOB>, 1 new failure in REL-1 looks like yours", "release_fixed");
  t.root = wait_for(b.f, ":ship: *Release");
  return t;
}

}  // namespace

TEST_CASE(
    "a release goes from the request in a channel to the announcement, with owners tagged by evidence") {
  release_bot b;
  b.w.report(kFailing);
  b.f.start_bot();
  auto t = request_and_wait_for_tags(b);
  auto& f = b.f;

  // The status message is the thread's root: version, requester, range; everything else is in its thread.
  CHECK(top_level(t.root));
  auto root = wait_updated(f, t.root, "waiting for fixes: 2 of 2 new failures open");
  CHECK(contains(root.text, "Release 1.3.1 (REL-1)"));
  CHECK(contains(body(root), "requested by <@U0DAVE>"));
  CHECK(contains(body(root), fmt::format("Range `v1.3.0..{}` (3 commits)", b.w.head.substr(0, 7))));
  auto summary = wait_for(f, "*QA review* for REL-1");
  CHECK(summary.thread_ts == t.root.ts);
  CHECK(contains(body(summary), "4 tests, 2 passed, 2 failed (2 new, 0 pre-existing), 0 flaky, 0 skipped"));
  CHECK(contains(body(summary), "ParserTest::ParsesEmptyHeader"));
  CHECK(contains(body(summary), "RenderTest::RendersTables"));

  // Each owner's tag: their failure, the commit that changed the failing line, and the buttons.
  CHECK(t.alice.thread_ts == t.root.ts);
  CHECK(contains(body(t.alice), "*ParserTest::ParsesEmptyHeader*"));
  CHECK(contains(body(t.alice),
                 fmt::format("`{}` Parse empty headers (src/parser.cpp:12)", b.w.alice_sha.substr(0, 7))));
  CHECK(contains(body(t.bob), "*RenderTest::RendersTables*"));
  CHECK(contains(body(t.bob),
                 fmt::format("`{}` Faster table rendering (src/render.cpp:20)", b.w.bob_sha.substr(0, 7))));
  std::vector<std::string> labels;
  for (const auto& btn : t.alice.buttons) labels.push_back(btn.text + "=" + btn.value);
  CHECK(labels == std::vector<std::string>{"On it=REL-1|1", "Fixed=REL-1|1", "Not mine=REL-1|1"});

  // status shows the run.
  auto status = ask_status(f, "U0BOB");
  CHECK(contains(status.text, "*REL-1* release"));
  CHECK(contains(status.text, "awaiting_fixes"));
  CHECK(contains(status.text, "version 1.3.1"));

  // On it, by alice: her tag says so and loses its On it button.
  click(f, "U0ALICE", t.alice, "On it");
  auto alice_tag = wait_updated(f, t.alice, "<@U0ALICE> is on it");
  CHECK(std::none_of(alice_tag.buttons.begin(), alice_tag.buttons.end(),
                     [](const auto& x) { return x.text == "On it"; }));

  // Fixed, by someone else: refused, privately.
  click(f, "U0CAROL", alice_tag, "Fixed");
  wait_for_ephemeral(f, "U0CAROL", "This item is <@U0ALICE>'s");
  CHECK(!contains(body(current(f, t.alice)), "fixed ("));

  // Not mine, by bob: carol changed the lines around his, so she is asked next; then the manager.
  click(f, "U0BOB", t.bob, "Not mine");
  auto to_carol = wait_for(f, "<@U0CAROL>, this was handed to you", "release_fixed");
  CHECK(contains(body(to_carol), "<@U0BOB> said not mine; next candidate from the blame: Carol Chandra"));
  CHECK(contains(body(to_carol), "*RenderTest::RendersTables*"));
  auto bob_tag = wait_updated(f, t.bob, "now with <@U0CAROL>");
  CHECK(bob_tag.buttons.empty());
  click(f, "U0CAROL", to_carol, "Not mine");
  auto to_erin = wait_for(f, "<@U0ERIN>, this was handed to you", "release_fixed");
  CHECK(contains(body(to_erin), "<@U0CAROL> said not mine; no other candidate, so the release manager has it"));

  // Fixed, by the owners: the last one makes the run ready, with a Release button.
  click(f, "U0ALICE", alice_tag, "Fixed");
  wait_updated(f, t.alice, "fixed (<@U0ALICE>)");
  click(f, "U0ERIN", to_erin, "Fixed");
  auto ready = wait_for(f, "*QA is clear* for REL-1", "release_ship");
  CHECK(contains(body(ready), "2 new failures closed (2 fixed, 0 passing on recheck)"));
  wait_updated(f, t.root, "waiting for a releaser to press *Release*");

  // Release, by someone who may not: refused privately, nothing runs.
  click(f, "U0BOB", ready, "Release");
  wait_for_ephemeral(f, "U0BOB", "Only the people in `[access] releasers` may press Release");
  CHECK(lines_of(b.w.marker).empty());

  // Release, by a releaser: the command runs with the version and the range, then the announcement.
  click(f, "U0DAVE", ready, "Release");
  auto done = wait_for(f, ":rocket: *REL-1* released 1.3.1");
  CHECK(contains(body(done), "published acme 1.3.1"));
  auto announcement = wait_for(f, "Release *1.3.1* is out");
  CHECK(top_level(announcement));
  CHECK(contains(announcement.text, "requested by <@U0DAVE>, REL-1"));
  CHECK(lines_of(b.w.marker) == std::vector<std::string>{"1.3.1 v1.3.0 " + b.w.head});
  wait_updated(f, ready, "Release started by <@U0DAVE>");
  CHECK(current(f, ready).buttons.empty());
  wait_updated(f, t.root, "*Step:* :rocket: released");

  status = ask_status(f, "U0DAVE");
  CHECK(contains(status.text, "*REL-1* release"));
  CHECK(contains(status.text, "released"));
  // Said once each.
  auto all = f.emu().messages(kChannel);
  CHECK(count(all, "*QA review*") == 1);
  CHECK(count(all, "looks like yours") == 2);
  CHECK(count(all, "*QA is clear*") == 1);
  CHECK(count(all, "is out") == 1);
  check_no_key_twice(all);
}

TEST_CASE("cancel stops a release at its release command, killing the command") {
  release_bot b;
  b.w.report(kPassing);
  world::flag(b.w.hold, true);
  b.f.start_bot();
  auto& f = b.f;
  say(f, "U0DAVE", "release 2.0.0");
  // Nothing failed: ready at once.
  auto ready = wait_for(f, "*QA is clear* for REL-1", "release_ship");
  CHECK(contains(body(wait_for(f, ":ship: *Release")), "Release 2.0.0"));
  click(f, "U0DAVE", ready, "Release");
  REQUIRE(wait_until([&] { return fs::exists(b.w.hold_pid); }));
  const int sleeper = std::stoi(read_file(b.w.hold_pid));
  CHECK(contains(ask_status(f, "U0DAVE").text, "releasing"));
  say(f, "U0DAVE", "cancel REL-1");
  wait_for(f, ":no_entry_sign: *REL-1* was cancelled by <@U0DAVE>");
  wait_for(f, "*Step:* :no_entry_sign: cancelled");
  CHECK(wait_until([&] { return process_gone(sleeper); }));
  // Nothing more comes of the killed command: no failure notice, no announcement.
  CHECK(contains(ask_status(f, "U0DAVE").text, "cancelled"));
  auto all = f.emu().messages(kChannel);
  CHECK(count(all, "release command failed") == 0);
  CHECK(count(all, "is out") == 0);
  CHECK(lines_of(b.w.marker).size() == 1);
}

TEST_CASE("one release per channel: a second request is pointed at the running one") {
  release_bot b;
  b.w.report(kFailing);
  b.f.start_bot();
  auto& f = b.f;
  request_and_wait_for_tags(b);
  say(f, "U0ALICE", "please do a release");
  auto busy = wait_for(f, "*REL-1* (release 1.3.1) is already running in this channel");
  CHECK(contains(busy.text, "`cancel REL-1`"));
  // Another channel has its own.
  say(f, "U0ALICE", "release", "C0002");
  f.emu().wait_for_messages([](const messages& ms) { return find(ms, ":ship: *Release") != nullptr; }, 20s,
                            "C0002");
  CHECK(find(f.emu().messages("C0002"), "REL-2") != nullptr);
  // Once the first one ends, the channel is free again.
  say(f, "U0DAVE", "cancel REL-1");
  wait_for(f, "*REL-1* was cancelled");
  say(f, "U0BOB", "release");
  auto third = f.emu().wait_for_messages([](const messages& ms) { return find(ms, "(REL-3)") != nullptr; },
                                         20s, kChannel);
  CHECK(find(third, "(REL-3)") != nullptr);
  CHECK(count(f.emu().messages(kChannel), "is already running") == 1);
}

TEST_CASE(
    "refusals are private: a request from outside [access] release, Fixed by a non-owner, Release by a "
    "non-releaser") {
  release_bot b;
  b.w.report(kFailing);
  b.f.start_bot();
  auto& f = b.f;
  slack::user_profile mallory;
  mallory.id = "U0MALLORY";
  mallory.name = "mallory";
  mallory.real_name = "Mallory Moss";
  mallory.email = "mallory@example.com";
  f.emu().add_user(mallory);

  say(f, "U0MALLORY", "please do a release");
  wait_for_ephemeral(f, "U0MALLORY", "You are not on the list of people who may start releases");
  f.emu().slash("U0MALLORY", kChannel, "release 9.9.9");
  wait_for_ephemeral(f, "U0MALLORY", "may start releases");
  say(f, "U0MALLORY", "status");
  wait_for(f, "No runs here or of yours yet");

  auto t = request_and_wait_for_tags(b);
  click(f, "U0MALLORY", t.alice, "Fixed");
  wait_for_ephemeral(f, "U0MALLORY", "This item is <@U0ALICE>'s");
  click(f, "U0BOB", t.alice, "Not mine");
  wait_for_ephemeral(f, "U0BOB", "This item is <@U0ALICE>'s");
  // The requester may close anyone's item (dave asked for the release).
  click(f, "U0DAVE", t.alice, "Fixed");
  click(f, "U0BOB", t.bob, "Fixed");
  auto ready = wait_for(f, "*QA is clear* for REL-1", "release_ship");
  for (const std::string who : {"U0MALLORY", "U0ALICE"}) {
    click(f, who, ready, "Release");
    wait_for_ephemeral(f, who, "Only the people in `[access] releasers` may press Release");
  }
  CHECK(lines_of(b.w.marker).empty());
  auto all = f.emu().messages(kChannel);
  CHECK(count(all, "may start releases") == 0);  // nothing refused in public
  CHECK(count(all, "releasers") == 0);
  CHECK(count(all, "(REL-2)") == 0);
}

TEST_CASE(
    "a missing and then a broken QA report: a clear message and Retry, until the fixed report goes through") {
  release_bot b("1h", "qa/unit.xml");  // relative to the repository
  b.f.start_bot();
  auto& f = b.f;
  say(f, "U0DAVE", "please do a release");
  auto missing = wait_for(f, "could not read the QA results", "release_retry");
  CHECK(contains(body(missing), fmt::format("the QA report {}/qa/unit.xml does not exist", b.w.repo.path())));
  wait_updated(f, wait_for(f, ":ship: *Release"), "needs attention");

  fs::create_directories(b.w.repo.dir() / "qa");
  write_file((b.w.repo.dir() / "qa" / "unit.xml").string(), kBroken);
  click(f, "U0DAVE", missing, "Retry");
  auto broken = f.emu().wait_for_messages(
      [](const messages& ms) { return count(ms, "could not read the QA results") == 2; }, 20s, kChannel);
  const message* second = nullptr;
  for (const auto& m : broken) {
    if (visible(m) && contains(body(m), "could not read the QA results") && m.ts != missing.ts) second = &m;
  }
  if (!second) {
    std::string seen;
    for (const auto& m : broken) seen += "\n---\n" + body(m);
    FAIL("no second notice; the bot said:" << seen << "\n=== its log:\n" << f.all_logs());
  }
  CHECK(contains(body(*second), "unit.xml"));
  CHECK(!contains(body(*second), "does not exist"));
  MESSAGE("broken report: " << second->text);

  write_file((b.w.repo.dir() / "qa" / "unit.xml").string(), kFailing);
  click(f, "U0DAVE", *second, "Retry");
  wait_for(f, "<@U0ALICE>, 1 new failure in REL-1 looks like yours", "release_fixed");
  wait_for(f, "<@U0BOB>, 1 new failure in REL-1 looks like yours", "release_fixed");
  auto all = f.emu().messages(kChannel);
  CHECK(count(all, "asked to retry") == 2);
  CHECK(count(all, "*QA review*") == 1);
}

TEST_CASE("a failing release command shows its output's tail and a Retry that runs it again") {
  release_bot b;
  b.w.report(kPassing);
  world::flag(b.w.fail, true);
  b.f.start_bot();
  auto& f = b.f;
  say(f, "U0DAVE", "please do a release");
  auto ready = wait_for(f, "*QA is clear* for REL-1", "release_ship");
  click(f, "U0DAVE", ready, "Release");
  auto failed = wait_for(f, "the release command failed", "release_retry");
  CHECK(contains(body(failed), "exit"));
  CHECK(contains(body(failed), "uploading acme 1.3.1"));
  CHECK(contains(body(failed), "upload failed: 503 Service Unavailable"));
  wait_updated(f, wait_for(f, ":ship: *Release"), "the release command failed");
  // Not for just anyone to retry.
  click(f, "U0BOB", failed, "Retry");
  wait_for_ephemeral(f, "U0BOB", "Only the people in `[access] releasers` may retry");
  world::flag(b.w.fail, false);
  click(f, "U0DAVE", failed, "Retry");
  wait_for(f, "Release *1.3.1* is out");
  CHECK(lines_of(b.w.marker).size() == 2);
  CHECK(count(f.emu().messages(kChannel), "is retrying the release command") == 1);
}

TEST_CASE("with [reminders] via = \"dm\", reminders come by DM and the escalation in the thread") {
  release_bot b("2s", {}, {}, "via = \"dm\"\n");
  b.w.report(kFailing);
  b.f.start_bot();
  auto& f = b.f;
  request_and_wait_for_tags(b);
  const auto dm = f.emu().dm_channel("U0ALICE");
  auto in_dm = f.emu().wait_for_messages(
      [](const messages& ms) { return find(ms, "<@U0ALICE>, reminder 2 for REL-1") != nullptr; }, 20s, dm);
  const auto* first = find(in_dm, "<@U0ALICE>, reminder 1 for REL-1");
  REQUIRE(first != nullptr);
  CHECK(top_level(*first));
  CHECK(contains(body(*first), "in the thread of REL-1 in <#C0001>"));
  CHECK(count(in_dm, "<@U0ALICE>, reminder 1 for REL-1") == 1);
  // The second reminder escalates (escalate_after = 2): the manager is mentioned in the thread, not the DM.
  auto escalation = wait_for(f, "<@U0ERIN>, escalating: <@U0ALICE> has been reminded 2 times");
  CHECK(!top_level(escalation));
  CHECK(count(f.emu().messages(dm), "escalating") == 0);
  CHECK(count(f.emu().messages(kChannel), "<@U0ALICE>, reminder 1 for REL-1") == 0);
}

TEST_CASE("recheck reloads QA: a test that passes now closes its item by itself") {
  release_bot b;
  b.w.report(kFailing);
  b.f.start_bot();
  auto& f = b.f;
  auto t = request_and_wait_for_tags(b);
  // Alice's fix landed; bob's test still fails.
  auto fixed = std::string(kFailing);
  fixed.replace(fixed.find(R"(<failure message="src/parser.cpp:12: expected 0, got 1"/>)"),
                std::string_view(R"(<failure message="src/parser.cpp:12: expected 0, got 1"/>)").size(), "");
  b.w.report(fixed);
  say(f, "U0ALICE", "recheck");
  auto recheck = wait_for(f, "*Recheck* (QA round 2) for REL-1");
  CHECK(contains(body(recheck), "1 item(s) pass now; 0 new failure(s)"));
  wait_updated(f, t.alice, "passes now");
  CHECK(current(f, t.alice).buttons.empty());
  click(f, "U0BOB", current(f, t.bob), "Fixed");
  auto ready = wait_for(f, "*QA is clear* for REL-1", "release_ship");
  CHECK(contains(body(ready), "2 new failures closed (1 fixed, 1 passing on recheck)"));
  auto all = f.emu().messages(kChannel);
  CHECK(count(all, "looks like yours") == 2);  // nobody tagged again
}

TEST_CASE(
    "SIGKILL at every step of a release: nothing said twice, nothing lost, the release command never re-run "
    "silently") {
  // A git that hangs in `blame` while a flag file exists, to kill the bot in the middle of the triage.
  temp_dir bin;
  const std::string path = std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin";
  std::string real_git;
  for (auto dirs = path; !dirs.empty();) {
    auto colon = dirs.find(':');
    auto d = dirs.substr(0, colon);
    dirs = colon == std::string::npos ? "" : dirs.substr(colon + 1);
    if (!d.empty() && ::access((d + "/git").c_str(), X_OK) == 0) {
      real_git = d + "/git";
      break;
    }
  }
  REQUIRE(!real_git.empty());
  const auto hang_blame = bin.file("hang-blame");
  const auto blaming = bin.file("blaming");
  write_script(bin, "git",
               fmt::format(R"sh(if [ -f {0} ]; then
  for a in "$@"; do
    if [ "$a" = blame ]; then echo $$ >> {1}; exec sleep 60; fi
  done
fi
exec {2} "$@"
)sh",
                           hang_blame, blaming, real_git));
  release_bot b("2s", {}, {{"PATH", bin.path() + ":" + path}});
  auto& f = b.f;
  auto& w = b.w;
  w.report(kFailing);
  world::flag(hang_blame, true);
  f.start_bot();

  {
    // 1. Right after the request (the event may not even be acked yet), then while posting the status
    // message, the thread's root (top level: found again through the channel's history).
    crash_trap root(f, "the status message", saying(":ship: *Release"));
    say(f, "U0DAVE", "please do a release");
    MESSAGE("SIGKILL right after the request");
    kill_and_restart(f, {&root});
    root.wait_then_restart();
  }
  {
    // 2. During the triage, while git blame runs; then while posting the QA summary (the people lookup
    // may be running), and while posting the first tag.
    crash_trap summary(f, "the QA summary", saying("*QA review*"));
    crash_trap tag(f, "the first tag", saying("new failure in REL-1 looks like yours"));
    REQUIRE(wait_until([&] { return fs::exists(blaming); }));
    summary.unaim();
    tag.unaim();
    f.bot().signal(SIGKILL);
    f.bot().wait(5s);
    for (const auto& pid : lines_of(blaming)) ::kill(std::stoi(pid), SIGKILL);
    world::flag(hang_blame, false);
    MESSAGE("SIGKILL during git blame");
    restart(f, {&summary, &tag});
    tag.unaim();  // one at a time: the summary comes first
    summary.wait_then_restart({&tag});
    tag.wait_then_restart();
  }
  auto alice = wait_for(f, "<@U0ALICE>, 1 new failure in REL-1 looks like yours", "release_fixed");
  auto bob = wait_for(f, "<@U0BOB>, 1 new failure in REL-1 looks like yours", "release_fixed");
  // 3. Right after a click, and while posting what a click caused.
  click_then_kill(f, "U0ALICE", alice, "On it");
  alice = wait_updated(f, alice, "<@U0ALICE> is on it");
  kill_when_posted(f, "the hand-over", saying("this was handed to you"),
                   [&] { click(f, "U0BOB", bob, "Not mine"); });
  auto to_carol = wait_for(f, "<@U0CAROL>, this was handed to you", "release_fixed");
  // 4. While posting reminders (every 2 s here), then an escalation.
  kill_when_posted(f, "a reminder", saying(", reminder "));
  kill_when_posted(f, "an escalation", saying(", escalating: "));
  wait_for(f, "<@U0CAROL>, reminder 1 for REL-1");
  // 5. Right after Fixed, and while posting the ready message.
  click_then_kill(f, "U0ALICE", current(f, alice), "Fixed");
  kill_when_posted(f, "the ready message", saying("*QA is clear*"),
                   [&] { click(f, "U0CAROL", to_carol, "Fixed"); });
  auto ready = wait_for(f, "*QA is clear* for REL-1", "release_ship");
  // 6. While the release command runs: it is not run again, the run says so and offers Retry.
  world::flag(w.hold, true);
  click(f, "U0DAVE", ready, "Release");
  REQUIRE(wait_until([&] { return fs::exists(w.hold_pid); }));
  const int sleeper = std::stoi(read_file(w.hold_pid));
  MESSAGE("SIGKILL while the release command runs");
  kill_and_restart(f);
  auto interrupted = wait_for(f, "Tugboat restarted while the release command was running", "release_retry");
  CHECK(contains(body(interrupted), "It was not run again"));
  CHECK(wait_until([&] { return process_gone(sleeper); }));  // its process group did not outlive the bot
  CHECK(lines_of(w.marker).size() == 1);
  wait_updated(f, wait_for(f, ":ship: *Release"), "the release command failed");
  // 7. Retried by a releaser; killed while posting the announcement, and once more after it all.
  world::flag(w.hold, false);
  kill_when_posted(f, "the announcement", saying("is out"),
                   [&] { click(f, "U0DAVE", interrupted, "Retry"); });
  wait_for(f, "Release *1.3.1* is out");
  // Whatever was still in the outbox went out before this answer (one channel, one order).
  CHECK(contains(ask_status(f, "U0DAVE").text, "released"));
  MESSAGE("SIGKILL after the release");
  kill_and_restart(f);
  CHECK(contains(ask_status(f, "U0DAVE").text, "released"));

  // Every kill while posting (8 of them; the other kills may land in a post too) left a message in Slack
  // that the bot had not heard back about; each was found again instead of being posted twice.
  const auto logs = f.all_logs();
  int reconciled = 0;
  for (auto at = logs.find("not posted again"); at != std::string::npos;
       at = logs.find("not posted again", at + 1)) {
    ++reconciled;
  }
  CHECK(reconciled >= 8);

  auto all = f.emu().messages(kChannel);
  const auto dump = [&] {
    std::string s;
    for (const auto& m : all) s += "\n---\n" + body(m);
    return s;
  };
  INFO("the conversation:" << dump() << "\n=== the bot's log:\n" << f.all_logs());
  check_no_key_twice(all);
  check_reminders_once(all, "REL-1");
  CHECK(count(all, ":ship: *Release") == 1);
  CHECK(count(all, "*QA review*") == 1);
  CHECK(count(all, "<@U0ALICE>, 1 new failure in REL-1") == 1);
  CHECK(count(all, "<@U0BOB>, 1 new failure in REL-1") == 1);
  CHECK(count(all, "this was handed to you") == 1);
  CHECK(count(all, "<@U0ALICE>, reminder 1 for REL-1") == 1);
  CHECK(count(all, "escalating") >= 1);
  CHECK(count(all, "*QA is clear*") == 1);
  CHECK(count(all, "Tugboat restarted while the release command was running") == 1);
  CHECK(count(all, "is retrying the release command") == 1);
  CHECK(count(all, ":rocket: *REL-1* released 1.3.1") == 1);
  CHECK(count(all, "Release *1.3.1* is out") == 1);
  CHECK(contains(body(current(f, alice)), "fixed (<@U0ALICE>)"));
  CHECK(contains(body(current(f, to_carol)), "fixed (<@U0CAROL>)"));
  CHECK(contains(body(current(f, wait_for(f, ":ship: *Release"))), "*Step:* :rocket: released"));
  // Reminders stopped once everything was fixed.
  const auto* ready_msg = find(all, "*QA is clear*");
  REQUIRE(ready_msg);
  for (const auto& m : all) {
    if (contains(body(m), ", reminder "))
      CHECK_MESSAGE(m.seq < ready_msg->seq, "a reminder after the run was ready: " << m.text);
  }
  CHECK(lines_of(w.marker) == std::vector<std::string>{"1.3.1 v1.3.0 " + w.head, "1.3.1 v1.3.0 " + w.head});
  for (const auto& pid : lines_of(blaming)) ::kill(std::stoi(pid), SIGKILL);  // a blame that hung late
}
