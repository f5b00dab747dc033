#pragma once
// Helpers for tests of coroutine code: a sleeper that advances a manual clock instead of waiting, and
// `run_test`, which runs one test coroutine on an io_context to completion and rethrows what it threw.
// Single-threaded, test-only.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <functional>
#include <stdexcept>
#include <vector>

#include "core/clock.hpp"
#include "slack/sleeper.hpp"

namespace tugboat::test {

// Every sleep returns at once after moving the clock forward by the requested time; the waits are
// recorded so tests can assert how long the code under test would have waited.
class manual_sleeper final : public slack::sleeper {
 public:
  explicit manual_sleeper(manual_clock& clock) : clock_(clock) {}
  boost::asio::awaitable<void> sleep(duration d) override {
    sleeps.push_back(d);
    if (d > duration::zero()) clock_.advance(d);
    co_return;
  }
  duration total() const {
    duration sum{};
    for (auto d : sleeps) sum += d;
    return sum;
  }
  std::vector<duration> sleeps;

 private:
  manual_clock& clock_;
};

// Runs `task` on `io` until it finishes, then calls `on_done` (e.g. to stop a fake server) and lets
// the io_context drain. Rethrows the task's exception.
inline void run_test(boost::asio::io_context& io, boost::asio::awaitable<void> task,
                     const std::function<void()>& on_done = {}) {
  std::exception_ptr failure;
  bool finished = false;
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e) {
    failure = e;
    finished = true;
    if (on_done) on_done();
  });
  io.run();
  io.restart();
  if (failure) std::rethrow_exception(failure);
  if (!finished)
    throw std::runtime_error("run_test: the io_context ran out of work before the test finished");
}

}  // namespace tugboat::test
