#include "workflows/engine/scheduler.hpp"

#include "core/log.hpp"

namespace tugboat::workflows {

scheduler::scheduler(boost::asio::any_io_executor ex, engine& eng, const clock& now)
    : engine_(eng), clock_(now), timer_(std::move(ex)) {}

void scheduler::reschedule() {
  if (stopped_) return;
  auto next = engine_.next_timer();
  if (next == armed_for_) return;
  armed_for_ = next;
  timer_.cancel();
  if (!next) return;
  const auto delay = std::max(std::chrono::nanoseconds{0}, *next - clock_.now());
  timer_.expires_after(delay);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) ring();
  });
}

void scheduler::ring() {
  armed_for_.reset();
  try {
    fired_ += static_cast<std::uint64_t>(engine_.fire_due_timers());
  } catch (const std::exception& e) {
    log::error("scheduler", "firing timers failed: {}", e.what());
  }
  reschedule();
}

void scheduler::stop() {
  stopped_ = true;
  timer_.cancel();
}

}  // namespace tugboat::workflows
