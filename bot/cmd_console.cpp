// `tugboat console`: chat with the bot in the terminal as a Slack user, like Hubot's shell. The
// emulator and the bot run in this process over loopback sockets; what you type is pushed as a Slack
// event, and every message in the workspace is printed as it happens.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "bot/cli.hpp"
#include "bot/commands.hpp"
#include "bot/demo_repo.hpp"
#include "bot/local_slack.hpp"
#include "core/log.hpp"
#include "core/text.hpp"

namespace tugboat::bot {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kConsoleHelp =
    "Type as a Slack user. In a channel, mention the bot with @tugboat (\"@tugboat help\"); in a DM just write.\n"
    "  /as NAME           speak as alice, bob, carol, dave or erin (now: {user})\n"
    "  /in #CHANNEL       talk in #releases or #general (now: {where})\n"
    "  /dm                talk to the bot in your DM\n"
    "  /tugboat TEXT      the slash command\n"
    "  /click LABEL       click the newest button with that label here (on your messages first), e.g. /click Fixed\n"
    "  /help              this list      /quit  leave (also Ctrl-D)\n";

struct place {
  std::string user = "U0ALICE";
  std::string channel = "C0001";  // "" = the user's DM
};

std::string user_id_of(std::string_view name) {
  auto lower = text::to_lower(text::trim(name));
  if (!lower.empty() && lower.front() == '@') lower.erase(0, 1);
  return "U0" + [&] {
    std::string up;
    for (char c : lower) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return up;
  }();
}

std::string where_name(const place& p) {
  if (p.channel.empty()) return "DM with tugboat";
  return p.channel == "C0001" ? "#releases" : p.channel == "C0002" ? "#general" : p.channel;
}

std::string help(const place& p) {
  std::string h(kConsoleHelp);
  auto put = [&h](std::string_view key, const std::string& value) {
    if (auto pos = h.find(key); pos != std::string::npos) h.replace(pos, key.size(), value);
  };
  put("{user}", transcript::name_of(p.user));
  put("{where}", where_name(p));
  return h;
}

// "@tugboat help" → "<@U0BOT> help", so the emulator sees a real mention.
std::string with_mentions(std::string line) {
  for (auto pos = line.find("@tugboat"); pos != std::string::npos; pos = line.find("@tugboat", pos)) {
    line.replace(pos, 8, "<@U0BOT>");
  }
  return line;
}

void click(local_slack& slack, const place& p, std::string_view label) {
  const auto channel = p.channel.empty() ? slack.emu().dm_channel(p.user) : p.channel;
  auto msgs = slack.emu().messages(channel);
  // The newest such button on a message that mentions the clicker (their items), else the newest.
  const auto mention = fmt::format("<@{}>", p.user);
  for (const bool mine : {true, false}) {
    for (auto it = msgs.rbegin(); it != msgs.rend(); ++it) {
      if (mine && (it->text + it->blocks_json).find(mention) == std::string::npos) continue;
      for (const auto& b : it->buttons) {
        if (text::to_lower(b.text) == text::to_lower(label)) {
          fmt::print("({} clicks [{}])\n", transcript::name_of(p.user), b.text);
          slack.emu().click(p.user, channel, it->ts, b.action_id, b.value);
          return;
        }
      }
    }
  }
  fmt::print("(no [{}] button in {})\n", label, where_name(p));
}

}  // namespace

int cmd_console(args a) {
  constexpr std::string_view kUsage =
      "usage: tugboat console [--config FILE]\n\n"
      "Chat with the bot in the terminal as a Slack user, against the built-in emulator. With --config the\n"
      "bot uses that file's settings ([quickfix], [access], ...); its database is a scratch copy unless\n"
      "[store] path is set there.\n";
  config cfg;
  try {
    cli c(a, {"help"}, {"config"});
    if (c.flag("help")) {
      fmt::print("{}", kUsage);
      return 0;
    }
    if (auto path = c.value("config")) cfg = load_config(*path);
  } catch (const usage_error& e) {
    fmt::print(stderr, "tugboat console: {}\n{}", e.what(), kUsage);
    return 2;
  } catch (const config_error& e) {
    fmt::print(stderr, "tugboat console: {}\n", e.what());
    return 2;
  }
  log::set_level(log::level::warn);
  auto scratch = fs::temp_directory_path() / fmt::format("tugboat-console-{}", ::getpid());
  fs::create_directories(scratch);
  if (cfg.store.path.empty()) {
    // No config: the demo's world (a sample repository with QA reports), reminders every minute.
    try {
      cfg = demo_config(scratch, make_demo_world(scratch), std::chrono::seconds{60});
    } catch (const std::exception& e) {
      fmt::print(stderr, "tugboat console: {}\n", e.what());
      return 1;
    }
  }

  int rc = 0;
  try {
    local_slack slack(cfg);
    slack.start();
    transcript chat([](const std::string& line) {
      fmt::print("{}\n", line);
      std::fflush(stdout);
    });
    place here;
    slack.emu().subscribe([&chat](const slack::emulated_message& m) { chat.on_message(m); });
    fmt::print("Tugboat console — the bot is connected to a local Slack emulator.\n{}", help(here));
    std::string line;
    for (;;) {
      if (::isatty(0)) fmt::print("{}@{}> ", transcript::name_of(here.user), where_name(here)), std::fflush(stdout);
      if (!std::getline(std::cin, line)) break;
      auto cmd = text::trim(line);
      if (cmd.empty()) continue;
      try {
        if (cmd == "/quit" || cmd == "/exit") break;
        if (cmd == "/help") {
          fmt::print("{}", help(here));
        } else if (cmd.starts_with("/as ")) {
          here.user = user_id_of(cmd.substr(4));
          slack.emu().dm_channel(here.user);  // fails for unknown people
        } else if (cmd.starts_with("/in ")) {
          auto name = text::trim(cmd.substr(4));
          here.channel = name == "#releases" || name == "releases" ? "C0001"
                         : name == "#general" || name == "general" ? "C0002"
                                                                    : std::string(name);
        } else if (cmd == "/dm") {
          here.channel.clear();
        } else if (cmd.starts_with("/click ")) {
          click(slack, here, text::trim(cmd.substr(7)));
        } else if (cmd.starts_with("/tugboat")) {
          const auto channel = here.channel.empty() ? slack.emu().dm_channel(here.user) : here.channel;
          fmt::print("({} runs {})\n", transcript::name_of(here.user), cmd);
          slack.emu().slash(here.user, channel, std::string(text::trim(cmd.substr(8))));
        } else if (cmd.front() == '/') {
          fmt::print("(unknown console command; /help lists them)\n");
        } else if (here.channel.empty()) {
          slack.emu().dm(here.user, std::string(cmd));
        } else if (cmd.find("@tugboat") != std::string_view::npos) {
          slack.emu().mention(here.user, here.channel, with_mentions(std::string(cmd)));
        } else {
          slack.emu().channel_message(here.user, here.channel, std::string(cmd));
        }
      } catch (const std::exception& e) {
        fmt::print("({})\n", e.what());
      }
      // Give the bot a moment so its answer prints before the next prompt.
      usleep(300'000);
    }
    slack.stop();
  } catch (const std::exception& e) {
    fmt::print(stderr, "tugboat console: {}\n", e.what());
    rc = 1;
  }
  std::error_code ec;
  fs::remove_all(scratch, ec);
  return rc;
}

}  // namespace tugboat::bot
