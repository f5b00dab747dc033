#pragma once
// Quick fixes by DM: "fix the typo in the install docs" becomes a run (QF-12) that waits for a free slot,
// runs the configured command with the request, and reports in the DM thread.
//   queued → running → done | failed | timed_out | cancelled
//   running --(bot restarted)--> needs_attention --(Run again)--> queued | --(Dismiss)--> cancelled
// Pure: decisions only; the engine runs the job and sends the messages.
#include <chrono>
#include <string>
#include <vector>

#include "workflows/engine/workflow.hpp"

namespace tugboat::workflows {

struct quickfix_settings {
  // argv; "{text}", "{user}", "{run}" are replaced inside each element. Empty: quick fixes are off.
  std::vector<std::string> command;
  std::string workdir;
  int max_parallel = 1;
  std::chrono::seconds timeout{30 * 60};
  std::size_t output_lines = 15;  // the output's last lines shown in the result
};

// Button action ids (value = the run's name).
inline constexpr std::string_view kQuickfixRerun = "quickfix_rerun";
inline constexpr std::string_view kQuickfixDismiss = "quickfix_dismiss";
inline constexpr std::string_view kQuickfixCancel = "quickfix_cancel";

class quickfix_workflow final : public workflow {
 public:
  explicit quickfix_workflow(quickfix_settings settings) : settings_(std::move(settings)) {}

  std::string_view name() const override { return "quickfix"; }
  std::string_view prefix() const override { return "QF"; }
  std::string_view initial_state() const override { return "queued"; }
  std::optional<admission> admission_control() const override {
    return admission{"queued", "running", settings_.max_parallel};
  }
  decision decide(const run& r, const event& e, sys_time now) const override;

  // The argv and environment for a request (exposed for tests).
  store::job_spec job_for(const run& r) const;
  const quickfix_settings& settings() const { return settings_; }

 private:
  quickfix_settings settings_;
};

// http(s) links in `text`, in order, without duplicates, at most `max`.
std::vector<std::string> find_links(std::string_view text, std::size_t max = 5);

}  // namespace tugboat::workflows
