// The `tugboat` executable: one dispatch table from subcommand to handler.
#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <string_view>
#include <vector>

#include "bot/commands.hpp"
#include "bot/version.hpp"

namespace {

struct command {
  std::string_view name;
  int (*run)(tugboat::bot::args);
  std::string_view summary;
};

constexpr command kCommands[] = {
    {"run", tugboat::bot::cmd_run, "connect to Slack with Socket Mode and serve (--config FILE)"},
    {"check", tugboat::bot::cmd_check, "validate the config, call auth.test, report missing scopes"},
    {"demo", tugboat::bot::cmd_demo, "play a whole conversation against the built-in Slack emulator"},
    {"console", tugboat::bot::cmd_console, "chat with the bot in the terminal as a Slack user"},
    {"emulator", tugboat::bot::cmd_emulator, "run the Slack emulator alone (--port N)"},
    {"triage", tugboat::bot::cmd_triage, "QA triage and blame-based ownership without Slack"},
};

void print_help() {
  fmt::print("tugboat {} — a Slack chat-ops bot for releases and quick fixes\n\n", tugboat::bot::kVersion);
  fmt::print("usage: tugboat <command> [options]    (tugboat <command> --help for its options)\n\n");
  for (const auto& c : kCommands) fmt::print("  {:<10} {}\n", c.name, c.summary);
  fmt::print("\nenvironment: SLACK_APP_TOKEN (xapp-…), SLACK_BOT_TOKEN (xoxb-…), SLACK_API_URL\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_help();
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version" || args[0] == "version") {
    fmt::print("tugboat {}\n", tugboat::bot::kVersion);
    return 0;
  }
  for (const auto& c : kCommands) {
    if (c.name == args[0]) {
      try {
        return c.run(std::span(args).subspan(1));
      } catch (const std::exception& e) {
        fmt::print(stderr, "tugboat {}: {}\n", c.name, e.what());
        return 1;
      }
    }
  }
  fmt::print(stderr, "tugboat: unknown command '{}' (try tugboat --help)\n", args[0]);
  return 2;
}
