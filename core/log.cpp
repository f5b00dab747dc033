#include "core/log.hpp"

#include <atomic>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <mutex>
#include <vector>

namespace tugboat::log {
namespace {

std::atomic<level> g_level{level::info};
std::atomic<sink_fn> g_sink{nullptr};
std::mutex g_mutex;  // guards g_secrets and serialises writes
std::vector<std::string> g_secrets;

constexpr std::string_view kTokenPrefixes[] = {"xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xapp-"};

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.';
}

void default_sink(std::string_view line) {
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fputc('\n', stderr);
}

std::string redact_locked(std::string_view text) {
  std::string out(text);
  for (const auto& secret : g_secrets) {
    for (auto pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos)) {
      out.replace(pos, secret.size(), "[redacted]");
    }
  }
  for (auto prefix : kTokenPrefixes) {
    for (auto pos = out.find(prefix); pos != std::string::npos; pos = out.find(prefix, pos + 1)) {
      auto end = pos + prefix.size();
      while (end < out.size() && is_token_char(out[end])) ++end;
      if (end - pos - prefix.size() < 4) continue;  // a bare prefix ("xapp-…" in a hint) is no secret
      out.replace(pos, end - pos, "[redacted]");
    }
  }
  return out;
}

}  // namespace

void set_level(level l) { g_level.store(l); }
level current_level() { return g_level.load(std::memory_order_relaxed); }

bool parse_level(std::string_view text, level& out) {
  static constexpr std::pair<std::string_view, level> kNames[] = {
      {"debug", level::debug}, {"info", level::info}, {"warn", level::warn}, {"error", level::error},
      {"off", level::off}};
  for (const auto& [name, l] : kNames) {
    if (text == name) {
      out = l;
      return true;
    }
  }
  return false;
}

void set_sink(sink_fn sink) { g_sink.store(sink); }

void add_secret(std::string secret) {
  if (secret.empty()) return;
  std::lock_guard lock(g_mutex);
  g_secrets.push_back(std::move(secret));
}

std::string redact(std::string_view text) {
  std::lock_guard lock(g_mutex);
  return redact_locked(text);
}

void write(level l, std::string_view component, std::string_view message) {
  static constexpr std::string_view kNames[] = {"debug", "info", "warn", "error"};
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  std::lock_guard lock(g_mutex);
  auto line = fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z {:5} [{}] {}", utc.tm_year + 1900,
                          utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, ms % 1000,
                          kNames[static_cast<int>(l)], component, redact_locked(message));
  auto sink = g_sink.load();
  (sink ? sink : default_sink)(line);
}

}  // namespace tugboat::log
