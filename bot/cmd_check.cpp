// `tugboat check --config FILE`: validates the config and the tokens against Slack, and names missing
// scopes, before anyone relies on the bot.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "bot/cli.hpp"
#include "bot/commands.hpp"
#include "bot/config.hpp"
#include "workflows/ownership/git.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "slack/api_error.hpp"
#include "slack/http_client.hpp"
#include "slack/sleeper.hpp"
#include "slack/web_api.hpp"

namespace tugboat::bot {
namespace {

namespace asio = boost::asio;

// The bot scopes config/slack-app-manifest.yml asks for.
constexpr std::string_view kRequiredScopes[] = {"app_mentions:read", "chat:write", "commands", "im:history",
                                                 "im:read", "im:write", "reactions:write", "users:read",
                                                 "users:read.email"};

struct check_result {
  int exit_code = 0;
};

asio::awaitable<check_result> check_slack(slack::web_api& api) {
  check_result r;
  try {
    auto who = co_await api.auth_test();
    fmt::print("bot token: OK — {} in workspace {} ({})\n", who.user, who.team_name, who.team);
    if (who.scopes.empty()) {
      fmt::print("scopes: Slack did not report the token's scopes; compare them with config/slack-app-manifest.yml\n");
    } else {
      std::vector<std::string_view> missing;
      for (auto s : kRequiredScopes) {
        if (std::find(who.scopes.begin(), who.scopes.end(), s) == who.scopes.end()) missing.push_back(s);
      }
      if (missing.empty()) {
        fmt::print("scopes: OK ({} granted)\n", who.scopes.size());
      } else {
        fmt::print("scopes: MISSING {} — add them under OAuth & Permissions and reinstall the app\n",
                   fmt::join(missing, ", "));
        r.exit_code = 1;
      }
    }
  } catch (const slack::api_error& e) {
    fmt::print("bot token: FAILED — {}\n", e.what());
    co_return check_result{1};
  }
  try {
    co_await api.apps_connections_open();
    fmt::print("app token: OK — Socket Mode is enabled and the token may open connections\n");
  } catch (const slack::api_error& e) {
    fmt::print("app token: FAILED — {}\n", e.what());
    r.exit_code = 1;
  }
  co_return r;
}

}  // namespace

namespace {

// The release settings against the machine: the repository, its last release tag, the commands.
bool check_release(const workflows::release_settings& r) {
  if (r.repo.empty()) {
    fmt::print("release: off ([release] repo is not set)\n");
    return true;
  }
  try {
    ownership::git_repo repo(r.repo, std::chrono::seconds{30});
    const auto head = repo.resolve("HEAD");
    auto tag = repo.newest_tag(head, r.tag_pattern);
    if (!tag) {
      fmt::print("release: FAILED — no tag matching '{}' is reachable from HEAD in {}: tag the last release\n",
                 r.tag_pattern, repo.top());
      return false;
    }
    fmt::print("release: OK — {} at {}, last release {} ({} commits since)\n", repo.top(), head.substr(0, 7), *tag,
               repo.count_commits(repo.resolve(*tag), head));
  } catch (const std::exception& e) {
    fmt::print("release: FAILED — {}\n", e.what());
    return false;
  }
  bool ok = true;
  for (const auto* argv : {&r.qa_command, &r.release_command}) {
    if (argv->empty() || argv->front().find('/') == std::string::npos) continue;  // found on PATH at run time
    const auto program = argv->front().starts_with('/') ? argv->front() : r.repo + "/" + argv->front();
    if (::access(program.c_str(), X_OK) != 0) {
      fmt::print("release: FAILED — {} is not an executable file\n", program);
      ok = false;
    }
  }
  if (r.qa_junit.empty() && r.qa_command.empty()) {
    fmt::print("release: FAILED — neither [release] qa_junit nor qa_command says where the QA results are\n");
    ok = false;
  }
  return ok;
}

}  // namespace

int cmd_check(args a) {
  constexpr std::string_view kUsage =
      "usage: tugboat check --config FILE\n\n"
      "Validates the config file, then checks SLACK_BOT_TOKEN (auth.test, scopes) and SLACK_APP_TOKEN\n"
      "(apps.connections.open) against Slack (SLACK_API_URL). Exit 0 when all is well.\n";
  config cfg;
  tokens tok;
  bool release_ok = true;
  std::string api_url;
  try {
    cli c(a, {"help"}, {"config"});
    if (c.flag("help")) {
      fmt::print("{}", kUsage);
      return 0;
    }
    auto path = c.value("config");
    if (!path) throw usage_error("--config FILE is required");
    cfg = load_config(*path);
    fmt::print("config: OK — {} (database {})\n", *path, cfg.store.path);
    release_ok = check_release(cfg.release);
    tok = read_tokens();
    api_url = api_base_url();
  } catch (const usage_error& e) {
    fmt::print(stderr, "tugboat check: {}\n{}", e.what(), kUsage);
    return 2;
  } catch (const config_error& e) {
    fmt::print(stderr, "tugboat check: {}\n", log::redact(e.what()));
    return 2;
  }
  if (!release_ok) return 1;
  asio::io_context io;
  system_clock_source clock;
  slack::timer_sleeper sleeper(io.get_executor());
  slack::http_client http(io.get_executor());
  slack::web_api_settings settings;
  settings.base_url = api_url;
  settings.bot_token = tok.bot;
  settings.app_token = tok.app;
  settings.max_attempts = 2;
  slack::web_api api(http, sleeper, clock, settings);
  auto result = asio::co_spawn(io, check_slack(api), asio::use_future);
  io.run();
  return result.get().exit_code;
}

}  // namespace tugboat::bot
