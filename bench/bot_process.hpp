#pragma once
// Benchmark support: the real `tugboat run` process started against an in-process emulator, with the
// emulator's URL and tokens in its environment and its output in a log file.
#include <string>

#include "slack/emulator/emulator.hpp"
#include "tests/support/child.hpp"

namespace tugboat::bench {

inline testing::child start_bot(const std::string& binary, const std::string& config_file,
                                const slack::emulator& emu, const std::string& log_file) {
  return testing::child({binary, "run", "--config", config_file},
                        {{"SLACK_API_URL", emu.api_url()},
                         {"SLACK_APP_TOKEN", emu.settings().app_token},
                         {"SLACK_BOT_TOKEN", emu.settings().bot_token}},
                        log_file);
}

}  // namespace tugboat::bench
