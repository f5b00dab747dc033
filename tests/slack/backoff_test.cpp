#include "slack/backoff.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

using namespace tugboat::slack;
using namespace std::chrono_literals;

TEST_CASE("without jitter the wait doubles from the base up to the cap") {
  backoff b{{100ms, 1000ms, jitter::none}, 1};
  std::vector<std::chrono::milliseconds> waits;
  for (int i = 0; i < 6; ++i) waits.push_back(b.next());
  CHECK(waits == std::vector<std::chrono::milliseconds>{100ms, 200ms, 400ms, 800ms, 1000ms, 1000ms});
  CHECK(b.attempts() == 6);
}

TEST_CASE("full jitter stays between zero and the exponential ceiling, never above the cap") {
  backoff b{{100ms, 5000ms, jitter::full}, 42};
  bool varied = false;
  std::chrono::milliseconds previous{-1};
  for (unsigned i = 0; i < 40; ++i) {
    const auto ceiling = std::min<std::chrono::milliseconds>(5000ms, 100ms * (1LL << std::min(i, 20U)));
    const auto w = b.next();
    CHECK(w >= 0ms);
    CHECK(w <= ceiling);
    if (previous.count() >= 0 && w != previous) varied = true;
    previous = w;
  }
  CHECK(varied);
}

TEST_CASE("decorrelated jitter stays between the base and the cap") {
  backoff b{{200ms, 3000ms, jitter::decorrelated}, 7};
  for (int i = 0; i < 50; ++i) {
    const auto w = b.next();
    CHECK(w >= 200ms);
    CHECK(w <= 3000ms);
  }
}

TEST_CASE("the same seed gives the same waits and another seed different ones") {
  const backoff_policy policy{100ms, 60'000ms, jitter::full};
  backoff a{policy, 123};
  backoff b{policy, 123};
  backoff c{policy, 124};
  std::vector<std::chrono::milliseconds> wa, wb, wc;
  for (int i = 0; i < 10; ++i) {
    wa.push_back(a.next());
    wb.push_back(b.next());
    wc.push_back(c.next());
  }
  CHECK(wa == wb);
  CHECK(wa != wc);
}

TEST_CASE("reset starts the sequence over after a success") {
  backoff b{{100ms, 10'000ms, jitter::none}, 1};
  (void)b.next();
  (void)b.next();
  (void)b.next();
  b.reset();
  CHECK(b.attempts() == 0);
  CHECK(b.next() == 100ms);
}

TEST_CASE("a policy without a positive base or with a cap below the base is refused") {
  CHECK_THROWS_AS(backoff(backoff_policy{0ms, 100ms, jitter::full}, 1), std::invalid_argument);
  CHECK_THROWS_AS(backoff(backoff_policy{100ms, 50ms, jitter::full}, 1), std::invalid_argument);
}
