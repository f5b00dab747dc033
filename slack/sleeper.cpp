#include "slack/sleeper.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace tugboat::slack {

boost::asio::awaitable<void> timer_sleeper::sleep(duration d) {
  if (d <= duration::zero()) co_return;
  boost::asio::steady_timer timer{executor_, d};
  co_await timer.async_wait(boost::asio::use_awaitable);
}

}  // namespace tugboat::slack
