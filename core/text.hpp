#pragma once
// Small text helpers shared by config, routing and formatting. Pure functions, any thread.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tugboat::text {

std::string_view trim(std::string_view s);
std::vector<std::string_view> split_words(std::string_view s);
// The non-empty lines of `s`, trimmed, as strings.
std::vector<std::string> split_lines(std::string_view s);
std::string to_lower(std::string_view s);
bool starts_with_word(std::string_view s, std::string_view word);  // case-insensitive, whole word

// "90s", "30m", "4h", "2d", "1h30m" → duration; nullopt for anything else (including "" and "0x").
std::optional<std::chrono::seconds> parse_duration(std::string_view s);
// 5400s → "1h30m"; 42s → "42s".
std::string format_duration(std::chrono::seconds d);

// Replaces invalid UTF-8 sequences and control characters (other than \n and \t) with U+FFFD / space,
// so text from files and child processes is always safe to put in JSON and Slack messages.
std::string clean_utf8(std::string_view s);

// Escapes &, < and > as Slack's mrkdwn requires for text that came from people or programs, so it
// cannot turn into mentions, links or broadcasts (<!channel>).
std::string escape_mrkdwn(std::string_view s);
std::string unescape_mrkdwn(std::string_view s);

// The last `max_lines` lines of `s` (without a trailing empty line).
std::string tail_lines(std::string_view s, std::size_t max_lines);

}  // namespace tugboat::text
