#pragma once
// Slack's Web API rate limits as pure logic: per-method per-minute windows by tier, and for
// chat.postMessage ~1 per second per channel with short bursts plus a workspace-wide cap of several
// hundred per minute (token buckets). `now` is passed in so
// tests need no sleeps. Thread: the emulator's thread. Nothing throws.
#include <chrono>
#include <string>
#include <string_view>
#include <unordered_map>

#include "slack/emulator/emulator.hpp"

namespace tugboat::slack::emu {

enum class method_tier { tier1, tier2, tier3, tier4, special };
method_tier tier_of(std::string_view method);

class rate_limiter {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  explicit rate_limiter(emulator_rate_limits limits) : limits_(limits) {}

  // 0 when the call may proceed (it is counted); otherwise the seconds for Retry-After (>= 1).
  // `channel` matters only for chat.postMessage.
  int admit(std::string_view method, std::string_view channel, time_point now);
  void reset();

 private:
  struct window {
    time_point start;
    int count = 0;
  };
  struct bucket {
    double tokens = 0;
    time_point last;
  };
  int per_minute(method_tier t) const;
  // Takes a token from `b` (capacity, refill per second) or returns the seconds until one is there.
  static int take(bucket& b, bool fresh, double capacity, double per_second, time_point now);

  emulator_rate_limits limits_;
  std::unordered_map<std::string, window> windows_;
  std::unordered_map<std::string, bucket> channels_;
  bucket workspace_posts_;
  bool workspace_posts_fresh_ = true;
};

}  // namespace tugboat::slack::emu
