#pragma once
// The real `tugboat run` binary against an in-process Slack emulator, over real sockets: the fixture
// the integration tests share. It writes a config into a temp dir, starts the binary with the
// emulator's URL and tokens, and waits until the bot's connections said hello.
#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "slack/emulator/emulator.hpp"
#include "tests/support/child.hpp"

namespace tugboat::testing {

using namespace std::chrono_literals;

struct bot_options {
  int connections = 2;
  std::string ping_timeout = "20s";
  bool tls = false;
  bool rate_limits = false;
  std::chrono::milliseconds ack_timeout{3000};
  std::chrono::milliseconds refresh_grace{2000};
  std::string extra_config;  // more TOML sections ([quickfix], [access], ...)
  std::vector<std::pair<std::string, std::string>> env;  // more environment for the bot (e.g. PATH)
};

class bot_fixture {
 public:
  explicit bot_fixture(bot_options o = {}) : options_(o) {
    slack::emulator_settings s;
    s.rate_limits = o.rate_limits;
    s.ack_timeout = o.ack_timeout;
    s.refresh_grace = o.refresh_grace;
    s.tls.enabled = o.tls;
    if (o.tls) s.tls.cert_out = dir_.file("emulator-cert.pem");
    emu_ = std::make_unique<slack::emulator>(s);
    emu_->start();
    std::ofstream cfg(dir_.file("tugboat.toml"));
    cfg << "[store]\npath = \"tugboat.db\"\n\n[slack]\nconnections = " << o.connections << "\nping_timeout = \""
        << o.ping_timeout << "\"\nrate_limits = " << (o.rate_limits ? "true" : "false") << "\n\n[log]\nlevel = \"debug\"\n\n" << o.extra_config << "\n";
  }

  ~bot_fixture() {
    if (bot_) {
      bot_->signal(SIGKILL);
      bot_->wait(5s);
    }
  }

  // Starts (or restarts) the bot and waits for its connections.
  void start_bot(bool wait_connected = true) {
    if (bot_) log_so_far_ += bot_->log();
    std::vector<std::pair<std::string, std::string>> env = {
        {"SLACK_API_URL", emu_->api_url()},
        {"SLACK_APP_TOKEN", emu_->settings().app_token},
        {"SLACK_BOT_TOKEN", emu_->settings().bot_token},
    };
    if (options_.tls) env.emplace_back("SSL_CERT_FILE", dir_.file("emulator-cert.pem"));
    env.insert(env.end(), options_.env.begin(), options_.env.end());
    const auto log_file = dir_.file(fmt::format("bot-{}.log", ++starts_));
    bot_ = std::make_unique<child>(std::vector<std::string>{tugboat_binary(), "run", "--config", dir_.file("tugboat.toml")},
                                   env, log_file);
    if (wait_connected) {
      // A restarted bot's old sockets may linger in the count until the emulator notices they died.
      const bool up = emu_->wait_for_connections(static_cast<std::size_t>(options_.connections), 20s);
      if (!up) FAIL("the bot did not connect; its log:\n" << bot_->log());
    }
  }

  slack::emulator& emu() { return *emu_; }
  // Everything every bot process of this fixture printed.
  std::string all_logs() const { return log_so_far_ + (bot_ ? bot_->log() : std::string{}); }
  child& bot() { return *bot_; }
  const temp_dir& dir() const { return dir_; }

  // Bot messages in `channel` (any thread), once there are at least `n`.
  std::vector<slack::emulated_message> replies(std::size_t n, const std::string& channel = {},
                                               std::chrono::milliseconds timeout = 10s) {
    return emu_->wait_for_count(n, timeout, channel);
  }

 private:
  bot_options options_;
  temp_dir dir_;
  std::unique_ptr<slack::emulator> emu_;
  std::unique_ptr<child> bot_;
  std::string log_so_far_;
  int starts_ = 0;
};

}  // namespace tugboat::testing
