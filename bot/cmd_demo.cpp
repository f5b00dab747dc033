// `tugboat demo`: the emulator, a sample repository, the bot, and a scripted conversation, printed as a
// chat transcript. Everything is real (sockets, SQLite, a child process doing the quick fix); only
// Slack is the emulator.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "bot/cli.hpp"
#include "bot/commands.hpp"
#include "bot/demo_repo.hpp"
#include "bot/local_slack.hpp"
#include "core/log.hpp"
#include "core/subprocess.hpp"

namespace tugboat::bot {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

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
    pause();
  }
  // Waits until a message of the bot contains `needle` (and carries a button `action`, when given).
  slack::emulated_message expect_text(std::string_view needle, std::string_view action = {},
                                      std::chrono::milliseconds timeout = 30s) {
    std::optional<slack::emulated_message> found;
    slack_.emu().wait_for_messages(
        [&](const std::vector<slack::emulated_message>& all) {
          for (const auto& m : all) {
            if ((m.text + m.blocks_json).find(needle) == std::string::npos) continue;
            if (!action.empty() && std::none_of(m.buttons.begin(), m.buttons.end(),
                                                [&](const slack::emulated_button& b) { return b.action_id == action; })) {
              continue;
            }
            found = m;
            return true;
          }
          return false;
        },
        timeout);
    if (!found) throw std::runtime_error(fmt::format("the bot did not say \"{}\" in time", needle));
    expected_ = slack_.emu().messages().size();
    pause();
    return *found;
  }
  // Clicks the button `label` on `m` (the first one whose value starts with `value_prefix`).
  void click(const std::string& who, const slack::emulated_message& m, std::string_view label,
             std::string_view value_prefix = {}) {
    for (const auto& b : m.buttons) {
      if (b.text == label && b.value.starts_with(value_prefix)) {
        fmt::print(out_, "[{}] {} clicks [{}]\n", m.channel == "C0001" ? "#releases › thread" : m.channel, transcript::name_of(who), label);
        slack_.emu().click(who, m.channel, m.ts, b.action_id, b.value);
        return;
      }
    }
    throw std::runtime_error(fmt::format("no [{}] button on the bot's message", label));
  }
  void pause() { std::this_thread::sleep_for(150ms); }  // pacing for the human reading along
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
    auto world = make_demo_world(dir);
    const auto& repo = world.repo;
    // The demo's fast clock: reminders every few seconds, at any hour of any day.
    auto cfg = demo_config(dir, world, std::chrono::seconds{4});

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
    d.note("dave asks for a release in #releases. Tugboat finds the version and the range, reads the QA "
           "reports and blames the failing lines (as jobs, off the event loop).");
    d.say("U0DAVE", "C0001", "<@U0BOT> please do a release");
    d.expect_text("Flaky tests");
    auto alice_tag = d.expect_text("<@U0ALICE>, 2 new failures", "release_fixed");
    auto bob_tag = d.expect_text("<@U0BOB>, 1 new failure", "release_fixed");
    d.note("alice is on the parser failures; bob says the table failure is not his.");
    d.click("U0ALICE", alice_tag, "On it");
    d.expect_text("@U0ALICE> is on it");
    d.click("U0BOB", bob_tag, "Not mine");
    auto handed = d.expect_text("this was handed to you", "release_fixed");
    d.note("Nobody fixed anything yet: reminders every 4 seconds (the demo's clock), then an escalation.");
    d.expect_text("reminder 1");
    d.expect_text("escalating");
    d.note("The fixes land: alice and carol press Fixed.");
    alice_tag = d.expect_text("<@U0ALICE>, 2 new failures", "release_fixed");
    d.click("U0ALICE", alice_tag, "Fixed");
    alice_tag = d.expect_text("fixed (<@U0ALICE>)", "release_fixed");
    d.click("U0ALICE", alice_tag, "Fixed");
    d.click("U0CAROL", handed, "Fixed");
    auto ready = d.expect_text("QA is clear", "release_ship");
    d.note("bob may not ship; dave, a releaser, may.");
    d.click("U0BOB", ready, "Release");
    d.expect_text("Only the people in");
    d.click("U0DAVE", ready, "Release");
    d.expect_text("is out");
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
