#pragma once
// Waiting, as a collaborator. The Web API client waits for the rate limiter, for a 429's Retry-After and
// between retries; it does so through a `sleeper` so tests substitute one that advances a manual clock
// and returns at once — a test of a 30 s Retry-After takes no real time.
// `timer_sleeper` is the real one: an asio steady_timer on the given executor. Loop-thread only; the
// sleeper must outlive the coroutines waiting on it. `sleep` throws boost::system::system_error if the
// wait is cancelled (the io_context is shutting down).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>

namespace tugboat::slack {

class sleeper {
 public:
  using duration = std::chrono::nanoseconds;
  virtual ~sleeper() = default;
  virtual boost::asio::awaitable<void> sleep(duration d) = 0;
};

class timer_sleeper final : public sleeper {
 public:
  explicit timer_sleeper(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}
  boost::asio::awaitable<void> sleep(duration d) override;

 private:
  boost::asio::any_io_executor executor_;
};

}  // namespace tugboat::slack
