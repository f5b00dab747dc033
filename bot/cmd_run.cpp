// `tugboat run --config FILE`: the production mode.
#include <fmt/format.h>

#include <malloc.h>

#include <cstdio>

#include "bot/app.hpp"
#include "bot/cli.hpp"
#include "bot/commands.hpp"
#include "core/log.hpp"

namespace tugboat::bot {

int cmd_run(args a) {
  // One malloc arena: the bot's few helper threads (SQLite checkpoints, Asio's resolver) allocate little,
  // and an arena of their own costs resident memory for nothing.
  mallopt(M_ARENA_MAX, 1);
  constexpr std::string_view kUsage =
      "usage: tugboat run --config FILE\n\n"
      "Connects to Slack with Socket Mode and serves until SIGINT/SIGTERM.\n"
      "Environment: SLACK_APP_TOKEN (xapp-…), SLACK_BOT_TOKEN (xoxb-…), SLACK_API_URL (optional).\n";
  app_options options;
  try {
    cli c(a, {"help"}, {"config", "ca-file"});
    if (c.flag("help")) {
      fmt::print("{}", kUsage);
      return 0;
    }
    auto path = c.value("config");
    if (!path) throw usage_error("--config FILE is required");
    options.tok = read_tokens();
    options.cfg = load_config(*path);
    options.api_url = api_base_url();
    options.extra_ca_file = c.value("ca-file").value_or("");
  } catch (const usage_error& e) {
    fmt::print(stderr, "tugboat run: {}\n{}", e.what(), kUsage);
    return 2;
  } catch (const config_error& e) {
    fmt::print(stderr, "tugboat run: {}\n", log::redact(e.what()));
    return 2;
  }
  log::set_level(options.cfg.log.level);
  try {
    return run_until_signalled(std::move(options));
  } catch (const std::exception& e) {
    log::error("app", "{}", e.what());
    return 1;
  }
}

}  // namespace tugboat::bot
