#pragma once
// Slack on this machine: the emulator and the bot in one process, each on its own thread, talking over
// real loopback sockets exactly as they would with Slack. `tugboat demo` and `tugboat console` are built
// on it. Also renders what happens in the workspace as a readable chat transcript.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "bot/config.hpp"
#include "slack/emulator/emulator.hpp"

namespace tugboat::bot {

class local_slack {
 public:
  // `cfg.store.path` must be set; tokens and the API URL are the emulator's.
  explicit local_slack(config cfg, bool rate_limits = false);
  ~local_slack();
  local_slack(const local_slack&) = delete;
  local_slack& operator=(const local_slack&) = delete;

  // Starts the emulator and the bot; returns once the bot's connections said hello. Throws on failure.
  void start();
  void stop();

  slack::emulator& emu() { return *emu_; }

 private:
  struct bot_thread;
  config cfg_;
  std::unique_ptr<slack::emulator> emu_;
  std::unique_ptr<bot_thread> bot_;
};

// Turns workspace messages into transcript lines: who said what where, buttons as [Label].
class transcript {
 public:
  using sink = std::function<void(const std::string&)>;
  explicit transcript(sink out) : out_(std::move(out)) {}
  void on_message(const slack::emulated_message& m);
  // "<@U0ALICE> hi *there*" → "@alice hi there".
  static std::string plain(std::string_view mrkdwn);
  static std::string name_of(std::string_view user_id);

 private:
  std::mutex mutex_;
  std::map<std::string, std::string> seen_;      // channel/ts → the text last printed
  std::map<std::string, std::string> dm_owner_;  // D… → the person the bot talks to there
  sink out_;
};

}  // namespace tugboat::bot
