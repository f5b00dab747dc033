#include "slack/rate_limiter.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace tugboat;
using namespace tugboat::slack;
using namespace std::chrono_literals;

namespace {
rate_limits small_limits() {
  rate_limits l;
  l.tier3 = {60, 3};  // 1/s after a burst of 3
  l.tier4 = {120, 2};
  l.post_per_channel = {60, 2};  // 1/s per channel, burst 2
  l.post_workspace = {600, 5};   // 10/s across channels, burst 5
  return l;
}
const sys_time t0{std::chrono::seconds{1'700'000'000}};
}  // namespace

TEST_CASE("a method's burst goes through at once, then requests are spaced by its tier's rate") {
  rate_limiter limiter{small_limits()};
  const rate_route route{"chat.update", ""};  // Tier 3
  CHECK(limiter.reserve_method(route.method, t0) == 0s);
  CHECK(limiter.reserve_method(route.method, t0) == 0s);
  CHECK(limiter.reserve_method(route.method, t0) == 0s);
  CHECK(limiter.reserve_method(route.method, t0) == 1s);
  CHECK(limiter.reserve_method(route.method, t0) == 2s);
  // Time passing refills the bucket at the tier's rate.
  CHECK(limiter.wait_for(route, t0 + 10s) == 0s);
}

TEST_CASE("wait_for only looks, acquire consumes") {
  rate_limiter limiter{small_limits()};
  const rate_route route{"users.info", ""};  // Tier 4: burst 2, 2/s
  CHECK(limiter.wait_for(route, t0) == 0s);
  CHECK(limiter.wait_for(route, t0) == 0s);
  limiter.acquire(route, t0);
  limiter.acquire(route, t0);
  CHECK(limiter.wait_for(route, t0) == 500ms);
  CHECK(limiter.wait_for(route, t0 + 500ms) == 0s);
}

TEST_CASE("chat.postMessage is limited per channel without holding up other channels") {
  rate_limiter limiter{small_limits()};
  const rate_route general{"chat.postMessage", "C1"};
  const rate_route random{"chat.postMessage", "C2"};
  CHECK(limiter.reserve_channel(general, t0) == 0s);
  CHECK(limiter.reserve_method(general.method, t0) == 0s);
  CHECK(limiter.reserve_channel(general, t0) == 0s);
  CHECK(limiter.reserve_method(general.method, t0) == 0s);
  CHECK(limiter.reserve_channel(general, t0) == 1s);  // waits for its channel slot before the method stage
  CHECK(limiter.reserve_channel(general, t0) == 2s);
  // The queue in C1 does not touch C2, nor the workspace bucket it has not reached yet.
  CHECK(limiter.reserve_channel(random, t0) == 0s);
  CHECK(limiter.reserve_method(random.method, t0) == 0s);
  // Methods other than chat.postMessage have no channel stage.
  CHECK(limiter.reserve_channel({"chat.update", "C1"}, t0) == 0s);
}

TEST_CASE("the workspace-wide cap limits posts across all channels") {
  rate_limiter limiter{small_limits()};
  for (int i = 0; i < 5; ++i) {
    CHECK(limiter.reserve_channel({"chat.postMessage", "C" + std::to_string(i)}, t0) == 0s);
    CHECK(limiter.reserve_method("chat.postMessage", t0) == 0s);
  }
  CHECK(limiter.reserve_channel({"chat.postMessage", "C99"}, t0) == 0s);
  CHECK(limiter.reserve_method("chat.postMessage", t0) == 100ms);
}

TEST_CASE("a 429 pauses only the method it came from") {
  rate_limiter limiter{small_limits()};
  limiter.pause("chat.postMessage", 30s, t0);
  CHECK(limiter.paused_for("chat.postMessage", t0) == 30s);
  CHECK(limiter.wait_for({"chat.postMessage", "C1"}, t0) == 30s);
  CHECK(limiter.wait_for({"chat.update", ""}, t0) == 0s);
  CHECK(limiter.paused_for("users.info", t0) == 0s);
  CHECK(limiter.paused_for("chat.postMessage", t0 + 20s) == 10s);
  CHECK(limiter.paused_for("chat.postMessage", t0 + 31s) == 0s);
}

TEST_CASE("after a pause the method restarts at its steady rate, not with a burst") {
  rate_limiter limiter{small_limits()};
  const rate_route route{"chat.update", ""};
  limiter.pause("chat.update", 10s, t0);
  CHECK(limiter.reserve_method(route.method, t0) == 10s);
  CHECK(limiter.reserve_method(route.method, t0) == 11s);
  CHECK(limiter.reserve_method(route.method, t0) == 12s);
}

TEST_CASE("a shorter Retry-After never shortens a pause already in force") {
  rate_limiter limiter{small_limits()};
  limiter.pause("reactions.add", 30s, t0);
  limiter.pause("reactions.add", 5s, t0 + 1s);
  CHECK(limiter.paused_for("reactions.add", t0 + 1s) == 29s);
}

TEST_CASE("known methods have their documented tiers and unknown ones the cautious Tier 2") {
  CHECK(rate_limiter::tier_of("apps.connections.open") == rate_tier::tier1);
  CHECK(rate_limiter::tier_of("chat.postMessage") == rate_tier::post_message);
  CHECK(rate_limiter::tier_of("chat.update") == rate_tier::tier3);
  CHECK(rate_limiter::tier_of("users.info") == rate_tier::tier4);
  CHECK(rate_limiter::tier_of("users.lookupByEmail") == rate_tier::tier3);
  CHECK(rate_limiter::tier_of("some.newMethod") == rate_tier::tier2);
}

TEST_CASE(
    "the default Tier 1 lets a start with two sockets and a refresh through, then holds to about one a "
    "minute") {
  rate_limiter limiter;
  const rate_route route{"apps.connections.open", ""};
  for (int i = 0; i < 4; ++i) CHECK(limiter.reserve_method(route.method, t0) == 0s);
  CHECK(limiter.reserve_method(route.method, t0) == 60s);
}

TEST_CASE("idle per-channel buckets are forgotten so memory does not grow with every channel") {
  rate_limiter limiter{small_limits()};
  for (int i = 0; i < 400; ++i)
    (void)limiter.reserve_channel({"chat.postMessage", "C" + std::to_string(i)}, t0 + 10s);
  const auto before = limiter.bucket_count();
  CHECK(before > 256);
  (void)limiter.reserve_channel({"chat.postMessage", "Cnew"}, t0 + 1h);
  CHECK(limiter.bucket_count() < 10);
  // A forgotten bucket behaves like a fresh one.
  CHECK(limiter.reserve_channel({"chat.postMessage", "C1"}, t0 + 1h) == 0s);
}
