#pragma once
// Slack Web API rate limits as pure logic: given a route (method, and the channel for
// chat.postMessage) and the current time, how long must the caller wait before sending? No I/O and no
// clock reading — `now` comes from the caller's injected `tugboat::clock`, so tests drive it with
// `manual_clock` and never sleep.
//
// Model (slack-protocol.md §3.2): every method has a per-workspace bucket sized by its tier
// (Tier 1 ≈ 1+/min … Tier 4 ≈ 100+/min, bursts tolerated); chat.postMessage additionally has a
// 1 message/s bucket per channel with a short burst, and its method bucket is the workspace-wide cap.
// Each bucket is a GCRA ("virtual scheduling") token bucket: it remembers the theoretical arrival time
// of the next request, so `reserve_*` hand out distinct, evenly spaced slots to concurrent callers —
// requests on one bucket are serialised in the order they asked, without a thundering herd.
// A 429 `pause`s one method (all its channels) for Retry-After; other methods are not affected, and
// after the pause the method restarts at its steady rate rather than with a burst.
//
// Thread-safety: none; owned by the Web API client on the loop thread. Nothing here throws except
// std::bad_alloc.
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"

namespace tugboat::slack {

enum class rate_tier { tier1, tier2, tier3, tier4, post_message };

struct bucket_spec {
  double per_minute = 1;  // sustained rate
  int burst = 1;          // requests allowed back to back from a full bucket (>= 1)
};

struct rate_limits {
  bucket_spec tier1{1, 4};  // apps.connections.open: a start with two sockets plus a refresh fits the burst
  bucket_spec tier2{20, 5};
  bucket_spec tier3{50, 10};
  bucket_spec tier4{100, 20};
  bucket_spec post_per_channel{60, 4};  // "1 message per second per channel, short bursts allowed"
  bucket_spec post_workspace{300, 30};  // "several hundred messages per minute" across the workspace
};

struct rate_route {
  std::string_view method;
  std::string_view channel;  // only used for chat.postMessage; empty = no per-channel bucket
};

class rate_limiter {
 public:
  using duration = sys_time::duration;

  explicit rate_limiter(rate_limits limits = {});

  // The tier this client assumes for a method (unknown methods: Tier 2, the cautious choice).
  static rate_tier tier_of(std::string_view method);

  // How long until a request on `route` would conform (zero = now). Does not consume anything.
  duration wait_for(const rate_route& route, sys_time now) const;
  // Records a request sent at `now` (after wait_for returned zero).
  void acquire(const rate_route& route, sys_time now);
  // Slots are reserved in two stages: first the channel (chat.postMessage only), then — after waiting
  // for that slot — the method. Each returns the wait until its slot (zero = now); callers that reserve
  // one after another get slots spaced by the bucket's rate. Reserving both at once would let one busy
  // channel's queue, scheduled into the future, block the workspace bucket for every other channel.
  duration reserve_channel(const rate_route& route, sys_time now);  // zero if the route has no channel bucket
  duration reserve_method(std::string_view method, sys_time now);   // includes a 429 pause

  // A 429 with Retry-After: no request of `method` conforms before now + retry_after.
  void pause(std::string_view method, duration retry_after, sys_time now);
  // Remaining pause of `method` (zero if none). A caller that reserved a slot before a 429 arrived
  // checks this after waking and waits again.
  duration paused_for(std::string_view method, sys_time now) const;

  // Buckets currently remembered (idle full buckets are forgotten).
  std::size_t bucket_count() const { return buckets_.size(); }

 private:
  struct bucket {
    duration interval{};   // time one request "costs"
    duration tolerance{};  // (burst - 1) * interval
    sys_time tat{};        // theoretical arrival time of the next request
    sys_time paused_until{};
  };

  bucket& method_bucket(std::string_view method);
  bucket* channel_bucket(const rate_route& route);
  const bucket* find(const std::string& key) const;
  bucket make_bucket(const bucket_spec& spec) const;
  const bucket_spec& spec_of(std::string_view method) const;
  void forget_idle(sys_time now);

  rate_limits limits_;
  std::unordered_map<std::string, bucket> buckets_;
};

}  // namespace tugboat::slack
