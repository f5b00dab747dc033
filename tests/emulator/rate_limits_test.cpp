// The emulator's rate limiter as pure logic: time is passed in, so no test waits.
#include "slack/emulator/rate_limits.hpp"

#include <doctest/doctest.h>

using tugboat::slack::emulator_rate_limits;
using tugboat::slack::emu::method_tier;
using tugboat::slack::emu::rate_limiter;
using tugboat::slack::emu::tier_of;
using namespace std::chrono_literals;

TEST_CASE("methods fall into Slack's tiers") {
  CHECK(tier_of("apps.connections.open") == method_tier::tier1);
  CHECK(tier_of("users.info") == method_tier::tier4);
  CHECK(tier_of("conversations.replies") == method_tier::tier3);
  CHECK(tier_of("auth.test") == method_tier::special);
}

TEST_CASE("a tier window admits its quota, then asks to retry when the minute is over") {
  emulator_rate_limits l;
  l.tier1_per_minute = 2;
  rate_limiter r(l);
  auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  CHECK(r.admit("apps.connections.open", "", t0) == 0);
  CHECK(r.admit("apps.connections.open", "", t0 + 1s) == 0);
  CHECK(r.admit("apps.connections.open", "", t0 + 20s) == 40);
  CHECK(r.admit("apps.connections.open", "", t0 + 59500ms) == 1);
  CHECK(r.admit("apps.connections.open", "", t0 + 60s) == 0);
  // Methods do not share windows.
  CHECK(r.admit("users.info", "", t0 + 20s) == 0);
}

TEST_CASE("chat.postMessage bursts per channel, then refills one per second") {
  emulator_rate_limits l;
  l.post_burst = 2;
  rate_limiter r(l);
  auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  CHECK(r.admit("chat.postMessage", "C1", t0) == 0);
  CHECK(r.admit("chat.postMessage", "C1", t0) == 0);
  CHECK(r.admit("chat.postMessage", "C1", t0) == 1);
  CHECK(r.admit("chat.postMessage", "C2", t0) == 0);
  CHECK(r.admit("chat.postMessage", "C1", t0 + 500ms) == 1);
  CHECK(r.admit("chat.postMessage", "C1", t0 + 1s) == 0);
  CHECK(r.admit("chat.postMessage", "C1", t0 + 1s) == 1);
  // A refused call costs nothing: after a quiet while the burst is back.
  CHECK(r.admit("chat.postMessage", "C1", t0 + 10s) == 0);
  CHECK(r.admit("chat.postMessage", "C1", t0 + 10s) == 0);
}

TEST_CASE("chat.postMessage has a workspace-wide bucket across channels") {
  emulator_rate_limits l;
  l.post_workspace_per_minute = 60;  // one per second
  l.post_workspace_burst = 3;
  rate_limiter r(l);
  auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  CHECK(r.admit("chat.postMessage", "C1", t0) == 0);
  CHECK(r.admit("chat.postMessage", "C2", t0) == 0);
  CHECK(r.admit("chat.postMessage", "C3", t0) == 0);
  CHECK(r.admit("chat.postMessage", "C4", t0) == 1);  // the burst is spent, whatever the channel
  CHECK(r.admit("chat.postMessage", "C4", t0 + 1s) == 0);
  CHECK(r.admit("chat.postMessage", "C5", t0 + 1s) == 1);
  // A refusal by the channel's own bucket takes nothing from the workspace's.
  l.post_burst = 1;
  rate_limiter q(l);
  CHECK(q.admit("chat.postMessage", "C1", t0) == 0);
  CHECK(q.admit("chat.postMessage", "C1", t0) == 1);
  CHECK(q.admit("chat.postMessage", "C2", t0) == 0);
  CHECK(q.admit("chat.postMessage", "C3", t0) == 0);
  CHECK(q.admit("chat.postMessage", "C4", t0) == 1);
  // Other methods are not affected.
  CHECK(q.admit("chat.update", "C4", t0) == 0);
}
