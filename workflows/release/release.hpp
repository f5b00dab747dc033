#pragma once
// The release workflow: "@tugboat please do a release" carried through in one thread until it ships.
//
//   requested ─(prepare task: version, range)→ qa_running ─(qa_command job, optional)→ qa_review
//   qa_review ─(triage task)→ ownership ─(people task)→ awaiting_fixes ⇄ (reminders, buttons, recheck)
//   awaiting_fixes ─(every new failure closed)→ ready ─(Release, by a releaser)→ releasing
//   releasing ─(release_command ok)→ released   | ─(failed)→ release_failed ─(Retry)→ releasing
//   any step ─(cancel)→ cancelled;  a failed step (QA, triage) → needs_attention ─(Retry)→ that step again
//
// The run's thread hangs under its status message (slot "status"), kept current with chat.update.
// Git, JUnit and Slack lookups run as tasks (store::job_spec::task) and child processes as jobs, never in
// decide, which stays pure: everything it needs travels in the run's data and the events.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "workflows/engine/workflow.hpp"
#include "workflows/release/working_hours.hpp"

namespace tugboat::workflows {

struct reminder_settings {
  std::chrono::seconds every{4 * 3600};
  std::string working_hours = "09:00-18:00";
  std::string working_days = "Mon-Fri";
  bool via_dm = false;   // `via = "dm"`: reminders go to the owner's DM instead of the thread
  int escalate_after = 3;  // reminders to one owner before the release manager is mentioned too (0: never)
};

struct release_settings {
  std::string repo;                        // the repository released (a path); empty: releases are off
  std::string tag_pattern = "v*";          // glob of release tags; the newest one is the range's base
  std::vector<std::string> qa_junit;       // globs of JUnit reports (relative ones against `repo`)
  std::vector<std::string> qa_command;     // argv writing JUnit files into {dir}; {version} {base} {head}
  std::string manager;                     // Slack user ID: owns what nobody else does, gets escalations
  std::string commit_url;                  // e.g. "https://github.com/acme/app/commit/{sha}"
  std::vector<std::string> release_command;  // argv; {version} {base} {head}
  std::optional<std::chrono::seconds> recheck_every;
  std::string work_dir;                    // where qa_command's reports go (a directory per run and round)
  std::chrono::seconds qa_timeout{3600};
  std::chrono::seconds release_timeout{3600};
  std::size_t output_lines = 15;
  reminder_settings reminders;
};

// Button action ids; the value is "RUN|ITEM" (items) or the run's name.
inline constexpr std::string_view kReleaseOnIt = "release_on_it";
inline constexpr std::string_view kReleaseFixed = "release_fixed";
inline constexpr std::string_view kReleaseNotMine = "release_not_mine";
inline constexpr std::string_view kReleaseShip = "release_ship";
inline constexpr std::string_view kReleaseRetry = "release_retry";

// Task names (see bot/app.cpp for their performers).
inline constexpr std::string_view kPrepareTask = "release.prepare";
inline constexpr std::string_view kTriageTask = "release.triage";
inline constexpr std::string_view kPeopleTask = "release.people";

class release_workflow final : public workflow {
 public:
  explicit release_workflow(release_settings settings);

  std::string_view name() const override { return "release"; }
  std::string_view prefix() const override { return "REL"; }
  std::string_view initial_state() const override { return "requested"; }
  decision decide(const run& r, const event& e, sys_time now) const override;

  const release_settings& settings() const { return settings_; }
  // When someone in `tz` (or at `tz_offset` when tz is unknown here) is next reminded after `last`:
  // `every` later, moved to the start of their next working window if it falls outside.
  sys_time next_reminder(sys_time last, const std::string& tz, int tz_offset) const;

 private:
  release_settings settings_;
  working_hours hours_;
};

// Replaces {version}, {base}, {head}, {dir} in each element of an argv template.
std::vector<std::string> expand_argv(const std::vector<std::string>& argv, const store::fields& values);

}  // namespace tugboat::workflows
