#include "slack/rate_limiter.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace tugboat::slack {
namespace {

constexpr std::string_view kPostMessage = "chat.postMessage";
// Per-channel bucket keys cannot collide with method names: methods never contain this separator.
constexpr char kChannelSeparator = '\x1f';
// Past this many remembered buckets, idle ones are dropped (per-channel buckets would otherwise grow
// with every channel the bot ever posted to).
constexpr std::size_t kForgetThreshold = 256;

struct method_tier {
  std::string_view method;
  rate_tier tier;
};
// slack-protocol.md §3.3 (java SDK tiers; apps.connections.open planned as Tier 1).
constexpr std::array kTiers{
    method_tier{"apps.connections.open", rate_tier::tier1},
    method_tier{"auth.test", rate_tier::tier4},
    method_tier{"chat.postMessage", rate_tier::post_message},
    method_tier{"chat.update", rate_tier::tier3},
    method_tier{"chat.postEphemeral", rate_tier::tier4},
    method_tier{"conversations.open", rate_tier::tier3},
    method_tier{"conversations.replies", rate_tier::tier3},
    method_tier{"conversations.history", rate_tier::tier3},
    method_tier{"users.info", rate_tier::tier4},
    method_tier{"users.lookupByEmail", rate_tier::tier3},
    method_tier{"reactions.add", rate_tier::tier3},
    method_tier{"views.open", rate_tier::tier4},
    method_tier{"views.update", rate_tier::tier4},
    method_tier{"views.publish", rate_tier::tier4},
};

std::string channel_key(std::string_view method, std::string_view channel) {
  std::string key;
  key.reserve(method.size() + 1 + channel.size());
  key.append(method).push_back(kChannelSeparator);
  key.append(channel);
  return key;
}

bool has_channel_bucket(const rate_route& route) {
  return route.method == kPostMessage && !route.channel.empty();
}

}  // namespace

rate_limiter::rate_limiter(rate_limits limits) : limits_(limits) {}

rate_tier rate_limiter::tier_of(std::string_view method) {
  for (const auto& entry : kTiers)
    if (entry.method == method) return entry.tier;
  return rate_tier::tier2;
}

const bucket_spec& rate_limiter::spec_of(std::string_view method) const {
  switch (tier_of(method)) {
    case rate_tier::tier1:
      return limits_.tier1;
    case rate_tier::tier2:
      return limits_.tier2;
    case rate_tier::tier3:
      return limits_.tier3;
    case rate_tier::tier4:
      return limits_.tier4;
    case rate_tier::post_message:
      return limits_.post_workspace;
  }
  return limits_.tier2;
}

rate_limiter::bucket rate_limiter::make_bucket(const bucket_spec& spec) const {
  bucket b;
  const double per_minute = std::max(spec.per_minute, 1e-3);
  b.interval = std::chrono::duration_cast<duration>(std::chrono::duration<double>(60.0 / per_minute));
  b.tolerance = b.interval * (std::max(spec.burst, 1) - 1);
  return b;
}

const rate_limiter::bucket* rate_limiter::find(const std::string& key) const {
  const auto it = buckets_.find(key);
  return it == buckets_.end() ? nullptr : &it->second;
}

rate_limiter::bucket& rate_limiter::method_bucket(std::string_view method) {
  std::string key{method};
  auto it = buckets_.find(key);
  if (it == buckets_.end()) it = buckets_.emplace(std::move(key), make_bucket(spec_of(method))).first;
  return it->second;
}

rate_limiter::bucket* rate_limiter::channel_bucket(const rate_route& route) {
  if (!has_channel_bucket(route)) return nullptr;
  auto key = channel_key(route.method, route.channel);
  auto it = buckets_.find(key);
  if (it == buckets_.end())
    it = buckets_.emplace(std::move(key), make_bucket(limits_.post_per_channel)).first;
  return &it->second;
}

rate_limiter::duration rate_limiter::wait_for(const rate_route& route, sys_time now) const {
  sys_time earliest = now;
  const auto consider = [&](const bucket* b) {
    if (b == nullptr) return;
    earliest = std::max({earliest, b->tat - b->tolerance, b->paused_until});
  };
  consider(find(std::string{route.method}));
  if (has_channel_bucket(route)) consider(find(channel_key(route.method, route.channel)));
  return earliest - now;
}

void rate_limiter::acquire(const rate_route& route, sys_time now) {
  for (bucket* b : {&method_bucket(route.method), channel_bucket(route)})
    if (b != nullptr) b->tat = std::max(b->tat, now) + b->interval;
}

namespace {
// GCRA: the earliest conforming time of a bucket, and the bucket advanced by one request sent then.
template <typename Bucket>
sys_time take_slot(Bucket& b, sys_time now) {
  const auto slot = std::max({now, b.tat - b.tolerance, b.paused_until});
  b.tat = std::max(b.tat, slot) + b.interval;
  return slot;
}
}  // namespace

rate_limiter::duration rate_limiter::reserve_channel(const rate_route& route, sys_time now) {
  if (buckets_.size() > kForgetThreshold) forget_idle(now);
  auto* b = channel_bucket(route);
  return b == nullptr ? duration::zero() : take_slot(*b, now) - now;
}

rate_limiter::duration rate_limiter::reserve_method(std::string_view method, sys_time now) {
  if (buckets_.size() > kForgetThreshold) forget_idle(now);
  return take_slot(method_bucket(method), now) - now;
}

void rate_limiter::pause(std::string_view method, duration retry_after, sys_time now) {
  auto& b = method_bucket(method);
  const auto until = now + std::max(retry_after, duration::zero());
  b.paused_until = std::max(b.paused_until, until);
  // Queue later reservations behind the pause, one interval apart (no burst straight after a 429).
  b.tat = std::max(b.tat, b.paused_until + b.tolerance);
}

rate_limiter::duration rate_limiter::paused_for(std::string_view method, sys_time now) const {
  const auto* b = find(std::string{method});
  if (b == nullptr || b->paused_until <= now) return duration::zero();
  return b->paused_until - now;
}

void rate_limiter::forget_idle(sys_time now) {
  // A bucket whose theoretical arrival time has passed is full again and holds no pause: it behaves
  // exactly like a fresh one, so it can go.
  std::erase_if(buckets_, [now](const auto& entry) {
    return entry.second.tat <= now && entry.second.paused_until <= now;
  });
}

}  // namespace tugboat::slack
