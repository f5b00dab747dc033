// `tugboat demo`: the emulator, a sample repository, the bot, and a scripted conversation, printed as a
// chat transcript. Everything is real (sockets, SQLite, a child process doing the quick fix); only
// Slack is the emulator.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "bot/cli.hpp"
#include "bot/commands.hpp"
#include "bot/local_slack.hpp"
#include "core/log.hpp"
#include "core/subprocess.hpp"

namespace tugboat::bot {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A stand-in for a coding agent's CLI: the demo's `[quickfix] command`. It gets the request in its
// argv and environment (never through a shell command line of ours), fixes typos in the sample repo,
// commits, and prints a link as an agent would.
constexpr std::string_view kAgent = R"sh(#!/usr/bin/env bash
# demo agent: fixes "teh" typos in Markdown files of the repository it runs in.
set -euo pipefail
request="$1"
echo "demo-agent: $request"
case "$request" in
  *typo*)
    files=$(grep -rlw "teh" --include='*.md' . || true)
    if [ -z "$files" ]; then echo "no typo found"; exit 1; fi
    for f in $files; do sed -i 's/\bteh\b/the/g' "$f"; echo "fixed: $f"; done
    git add -A
    git -c user.name=demo-agent -c user.email=agent@example.com commit -q -m "Fix typo ($TUGBOAT_RUN)"
    git show --stat --format='%h %s' HEAD
    echo "Opened https://git.example.com/acme/app/pull/42"
    ;;
  *)
    echo "demo-agent: I can only fix typos" >&2
    exit 3
    ;;
esac
)sh";

void write_file(const fs::path& p, std::string_view text) {
  std::ofstream out(p);
  out << text;
}

void git(const fs::path& repo, std::vector<std::string> args) {
  args.insert(args.begin(), {"git", "-C", repo.string()});
  proc::spawn_options o;
  o.argv = std::move(args);
  o.env = {{"GIT_AUTHOR_NAME", "Alice Archer"}, {"GIT_AUTHOR_EMAIL", "alice@example.com"},
           {"GIT_COMMITTER_NAME", "Alice Archer"}, {"GIT_COMMITTER_EMAIL", "alice@example.com"}};
  auto r = proc::run(o);
  if (!r.ok()) throw std::runtime_error(fmt::format("git {} failed: {}", o.argv[3], r.describe()));
}

fs::path make_sample_repo(const fs::path& dir) {
  auto repo = dir / "acme-app";
  fs::create_directories(repo / "docs");
  write_file(repo / "README.md", "# acme-app\n\nA sample application for the Tugboat demo.\n");
  write_file(repo / "docs" / "install.md", "# Install\n\nRun `make install` and teh app is ready.\n");
  git(repo, {"init", "-q", "-b", "main"});
  git(repo, {"add", "-A"});
  git(repo, {"commit", "-q", "-m", "Initial import"});
  return repo;
}

class demo {
 public:
  demo(local_slack& slack, std::FILE* out) : slack_(slack), out_(out) {}

  void say(const std::string& who, const std::string& where, const std::string& text) {
    if (where.starts_with('D')) {
      slack_.emu().dm(who, text);
    } else {
      slack_.emu().mention(who, where, text);
    }
  }
  // Waits until the bot has posted `n` more messages anywhere.
  void expect(std::size_t n, std::chrono::milliseconds timeout = 20s) {
    expected_ += n;
    auto got = slack_.emu().wait_for_count(expected_, timeout);
    if (got.size() < expected_) throw std::runtime_error("the bot did not answer in time");
    std::this_thread::sleep_for(150ms);  // pacing for the human reading along, not for correctness
  }
  void note(std::string_view text) { fmt::print(out_, "\n— {}\n", text); }

 private:
  local_slack& slack_;
  std::FILE* out_;
  std::size_t expected_ = 0;
};

}  // namespace

int cmd_demo(args a) {
  constexpr std::string_view kUsage =
      "usage: tugboat demo [--keep]\n\n"
      "Starts the built-in Slack emulator, a sample git repository and the bot, and plays a conversation,\n"
      "printing it as it happens. --keep leaves the working folder (database, repository) in place.\n";
  bool keep = false;
  try {
    cli c(a, {"help", "keep"}, {});
    if (c.flag("help")) {
      fmt::print("{}", kUsage);
      return 0;
    }
    keep = c.flag("keep");
  } catch (const usage_error& e) {
    fmt::print(stderr, "tugboat demo: {}\n{}", e.what(), kUsage);
    return 2;
  }
  log::set_level(log::level::warn);
  const auto started = std::chrono::steady_clock::now();
  auto dir = fs::temp_directory_path() / fmt::format("tugboat-demo-{}", ::getpid());
  fs::create_directories(dir);
  int rc = 0;
  try {
    auto repo = make_sample_repo(dir);
    write_file(dir / "demo-agent", kAgent);
    fs::permissions(dir / "demo-agent", fs::perms::owner_all);

    config cfg;
    cfg.source = "demo";
    cfg.store.path = (dir / "tugboat.db").string();
    cfg.quickfix.command = {(dir / "demo-agent").string(), "{text}"};
    cfg.quickfix.workdir = repo.string();
    cfg.quickfix.timeout = std::chrono::seconds{60};
    cfg.access.admins = {"U0ALICE"};

    fmt::print("Tugboat demo: the Slack emulator, the bot and a sample repository ({}), over real sockets.\n",
               repo.string());
    local_slack slack(cfg);
    slack.start();
    transcript chat([](const std::string& line) {
      fmt::print("{}\n", line);
      std::fflush(stdout);
    });
    slack.emu().subscribe([&chat](const slack::emulated_message& m) { chat.on_message(m); });

    demo d(slack, stdout);
    d.note("In #releases, alice asks what Tugboat can do.");
    d.say("U0ALICE", "C0001", "<@U0BOT> help");
    d.expect(1);
    d.note("bob asks for a quick fix by DM; Tugboat runs the configured agent in the repository.");
    d.say("U0BOB", "D", "fix the typo in the install docs");
    d.expect(2);  // running, result
    d.note("bob checks on his runs.");
    d.say("U0BOB", "D", "status");
    d.expect(1);
    d.note("A request the agent cannot do fails, and says why.");
    d.say("U0BOB", "D", "rewrite the installer in Rust");
    d.expect(2);
    d.note("Unknown commands get a hint.");
    d.say("U0ALICE", "C0001", "<@U0BOT> make coffee");
    d.expect(1);
    d.note("The release workflow is not built yet; Tugboat says so.");
    d.say("U0ALICE", "C0001", "<@U0BOT> please do a release");
    d.expect(1);
    slack.stop();
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    fmt::print("\nDemo finished in {:.1f} s.{}\n", static_cast<double>(took.count()) / 1000.0,
               keep ? fmt::format(" The fix is committed in {}.", repo.string()) : std::string(" (--keep keeps the repository and database.)"));
  } catch (const std::exception& e) {
    fmt::print(stderr, "tugboat demo: {}\n", e.what());
    rc = 1;
  }
  if (!keep && rc == 0) {
    std::error_code ec;
    fs::remove_all(dir, ec);
  } else {
    fmt::print("Working folder kept: {}\n", dir.string());
  }
  return rc;
}

}  // namespace tugboat::bot
