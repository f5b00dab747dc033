#pragma once
// The subcommands of the `tugboat` executable. Each takes the arguments after its name and returns the
// process exit code: 0 success, 1 a failure of the work itself, 2 a usage/config/input error.
#include <span>
#include <string_view>

namespace tugboat::bot {

using args = std::span<const std::string_view>;

int cmd_run(args a);       // bot/cmd_run.cpp
int cmd_check(args a);     // bot/cmd_check.cpp
int cmd_demo(args a);      // bot/cmd_demo.cpp
int cmd_console(args a);   // bot/cmd_console.cpp
int cmd_emulator(args a);  // bot/cmd_emulator.cpp
int cmd_triage(args a);    // bot/cmd_triage.cpp

}  // namespace tugboat::bot
