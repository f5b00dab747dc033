#include "slack/emulator/rate_limits.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace tugboat::slack::emu {

method_tier tier_of(std::string_view method) {
  // From Slack's method pages (see the protocol reference, §3.3); unknown methods count as Tier 3.
  if (method == "apps.connections.open") return method_tier::tier1;
  if (method == "auth.test" || method == "chat.postMessage") return method_tier::special;
  if (method == "chat.postEphemeral" || method == "users.info") return method_tier::tier4;
  return method_tier::tier3;
}

int rate_limiter::per_minute(method_tier t) const {
  switch (t) {
    case method_tier::tier1:
      return limits_.tier1_per_minute;
    case method_tier::tier2:
      return limits_.tier2_per_minute;
    case method_tier::tier3:
      return limits_.tier3_per_minute;
    case method_tier::tier4:
      return limits_.tier4_per_minute;
    case method_tier::special:
      return limits_.special_per_minute;
  }
  return limits_.tier3_per_minute;
}

int rate_limiter::take(bucket& b, bool fresh, double capacity, double per_second, time_point now) {
  b.tokens = fresh ? capacity
                   : std::min(capacity, b.tokens + std::chrono::duration<double>(now - b.last).count() * per_second);
  b.last = now;
  if (b.tokens < 1.0) return std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / per_second)));
  return 0;
}

int rate_limiter::admit(std::string_view method, std::string_view channel, time_point now) {
  using namespace std::chrono;
  const bool post = method == "chat.postMessage";
  const bool workspace_bucket = post && limits_.post_workspace_per_minute > 0;
  window* w = nullptr;
  if (!workspace_bucket) {
    w = &windows_[std::string(method)];
    if (w->count == 0 || now - w->start >= minutes(1)) {
      w->start = now;
      w->count = 0;
    }
    if (w->count >= per_minute(tier_of(method))) {
      auto left = duration_cast<milliseconds>(minutes(1) - (now - w->start)).count();
      return std::max(1, static_cast<int>((left + 999) / 1000));
    }
  }
  // Both buckets are refilled and checked before either gives a token, so a refusal costs nothing.
  bucket* per_channel = nullptr;
  if (post && !channel.empty() && limits_.post_per_channel_per_second > 0) {
    auto [it, fresh] = channels_.try_emplace(std::string(channel));
    per_channel = &it->second;
    const double capacity = std::max(1, limits_.post_burst);
    if (int wait = take(*per_channel, fresh, capacity, limits_.post_per_channel_per_second, now); wait > 0)
      return wait;
  }
  if (workspace_bucket) {
    const double capacity = std::max(1, limits_.post_workspace_burst);
    const bool fresh = std::exchange(workspace_posts_fresh_, false);
    if (int wait = take(workspace_posts_, fresh, capacity, limits_.post_workspace_per_minute / 60.0, now); wait > 0)
      return wait;
    workspace_posts_.tokens -= 1.0;
  }
  if (per_channel != nullptr) per_channel->tokens -= 1.0;
  if (w != nullptr) ++w->count;
  return 0;
}

void rate_limiter::reset() {
  windows_.clear();
  channels_.clear();
  workspace_posts_fresh_ = true;
}

}  // namespace tugboat::slack::emu
