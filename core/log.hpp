#pragma once
// Logging: one line per event, levels, fmt formatting, and secret redaction on every line.
// Anything that looks like a Slack token (xoxb-, xoxp-, xapp-, ...) and every string registered with
// `add_secret` is replaced before the line is written, so a token can never reach the log even when it
// sneaks into an error message. Thread-safe: lines from several threads never interleave.
#include <fmt/format.h>

#include <string>
#include <string_view>

namespace tugboat::log {

enum class level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

void set_level(level l);
level current_level();
// Parses "debug" / "info" / "warn" / "error" / "off"; returns false for anything else.
bool parse_level(std::string_view text, level& out);

// Where lines go (stderr by default). The sink receives the finished, redacted line without '\n'.
using sink_fn = void (*)(std::string_view line);
void set_sink(sink_fn sink);

// Secrets to scrub from every line (the configured tokens). Empty strings are ignored.
void add_secret(std::string secret);
// Applies the redaction rules to `text`: registered secrets and token-shaped words become "[redacted]".
std::string redact(std::string_view text);

void write(level l, std::string_view component, std::string_view message);

template <typename... Args>
void debug(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (current_level() <= level::debug) write(level::debug, component, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (current_level() <= level::info) write(level::info, component, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (current_level() <= level::warn) write(level::warn, component, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void error(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (current_level() <= level::error) write(level::error, component, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace tugboat::log
