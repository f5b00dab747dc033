#pragma once
// The scheduler shell: one real timer armed for the earliest due timer row; when it rings, the engine
// fires what is due and the timer is armed again. The logic of "what is due" lives in the engine and
// uses the injected clock; only this shell waits in real time. Loop thread only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/clock.hpp"
#include "workflows/engine/engine.hpp"

namespace tugboat::workflows {

class scheduler {
 public:
  scheduler(boost::asio::any_io_executor ex, engine& eng, const clock& now);
  // Re-reads the earliest timer and arms for it (cheap: one indexed row).
  void reschedule();
  void stop();
  std::uint64_t fired() const { return fired_; }

 private:
  void ring();

  engine& engine_;
  const clock& clock_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
  std::optional<sys_time> armed_for_;
  std::uint64_t fired_ = 0;
};

}  // namespace tugboat::workflows
