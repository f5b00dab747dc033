#pragma once
// Time as a collaborator. Logic that needs "now" (rate limits, backoff, timers, reminders) takes a
// `clock&` so tests drive it with `manual_clock`; only the thin shell that arms real timers reads the
// system clock. Thread-safety: `system_clock_source` is safe anywhere; `manual_clock` is meant for a
// test's single thread.
#include <chrono>

namespace tugboat {

using sys_time = std::chrono::system_clock::time_point;
using std::chrono::milliseconds;
using std::chrono::seconds;

class clock {
 public:
  virtual ~clock() = default;
  virtual sys_time now() const = 0;
};

class system_clock_source final : public clock {
 public:
  sys_time now() const override { return std::chrono::system_clock::now(); }
};

class manual_clock final : public clock {
 public:
  explicit manual_clock(sys_time start = sys_time{std::chrono::seconds{1'700'000'000}}) : now_(start) {}
  sys_time now() const override { return now_; }
  void advance(std::chrono::nanoseconds d) { now_ += std::chrono::duration_cast<sys_time::duration>(d); }
  void set(sys_time t) { now_ = t; }

 private:
  sys_time now_;
};

// Milliseconds since the Unix epoch: the form times take in the store.
inline long long to_unix_ms(sys_time t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline sys_time from_unix_ms(long long ms) { return sys_time{std::chrono::milliseconds{ms}}; }

}  // namespace tugboat
