// Placeholder until this command lands; it says so instead of pretending.
#include <fmt/format.h>

#include <cstdio>

#include "bot/commands.hpp"

namespace tugboat::bot {

int cmd_console(args) {
  fmt::print(stderr, "tugboat console: not implemented yet\n");
  return 2;
}

}  // namespace tugboat::bot
