#pragma once
// Exponential backoff with jitter, as pure logic: `next()` returns how long to wait before the next
// attempt, `reset()` starts over after a success. Who waits (a timer, a test clock) is the caller's
// business. Used by the Web API retries and the Socket Mode reconnect loop.
//
// Two jitter flavours (see the AWS architecture blog "Exponential Backoff And Jitter"):
//   full:         uniform(0, min(cap, base * 2^attempt))
//   decorrelated: min(cap, uniform(base, previous * 3))  — spreads a herd of clients better
// The random source is injected as a seed so tests are deterministic. One object per retry loop;
// not thread-safe (each loop owns its own). Never throws after construction; the constructor throws
// std::invalid_argument when base <= 0 or cap < base.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <stdexcept>

namespace tugboat::slack {

enum class jitter { none, full, decorrelated };

struct backoff_policy {
  std::chrono::milliseconds base{500};
  std::chrono::milliseconds cap{30'000};
  jitter mode = jitter::full;
};

class backoff {
 public:
  explicit backoff(backoff_policy policy, std::uint64_t seed = std::random_device{}())
      : policy_(policy), rng_(seed), previous_(policy.base) {
    if (policy_.base.count() <= 0 || policy_.cap < policy_.base)
      throw std::invalid_argument("backoff: base must be positive and cap at least base");
  }

  // The wait before the next attempt; each call counts one failure.
  std::chrono::milliseconds next() {
    const auto ceiling = exponential_ceiling();
    ++attempt_;
    switch (policy_.mode) {
      case jitter::none:
        return ceiling;
      case jitter::full:
        return uniform(std::chrono::milliseconds{0}, ceiling);
      case jitter::decorrelated: {
        // Grows from the previous *drawn* value, not the attempt number, so clients that collided once
        // drift apart instead of marching in step.
        const auto upper = std::min(policy_.cap, std::max(policy_.base, previous_ * 3));
        previous_ = uniform(policy_.base, upper);
        return previous_;
      }
    }
    return ceiling;
  }

  void reset() {
    attempt_ = 0;
    previous_ = policy_.base;
  }

  // Failures counted since the last reset.
  unsigned attempts() const { return attempt_; }
  const backoff_policy& policy() const { return policy_; }

 private:
  std::chrono::milliseconds exponential_ceiling() const {
    // base * 2^attempt without overflow: stop doubling once the cap is reached.
    auto value = policy_.base;
    for (unsigned i = 0; i < attempt_ && value < policy_.cap; ++i) value *= 2;
    return std::min(value, policy_.cap);
  }

  std::chrono::milliseconds uniform(std::chrono::milliseconds lo, std::chrono::milliseconds hi) {
    if (hi <= lo) return lo;
    std::uniform_int_distribution<std::chrono::milliseconds::rep> dist(lo.count(), hi.count());
    return std::chrono::milliseconds{dist(rng_)};
  }

  backoff_policy policy_;
  std::mt19937_64 rng_;
  std::chrono::milliseconds previous_;
  unsigned attempt_ = 0;
};

}  // namespace tugboat::slack
