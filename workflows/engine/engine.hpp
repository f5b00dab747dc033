#pragma once
// The engine: loads a run, applies its workflow's decision, and commits the new state, the effects
// (outbox rows, timers, jobs) and the inbox row's "handled" mark in ONE SQLite transaction. Only after
// the commit does it tell the effect performers (outbox sender, scheduler, job runner) through `hooks`.
// A crash at any instant therefore leaves either the whole decision or none of it.
//
// It also does admission control (at most N runs of a workflow running, the rest queued in order),
// fires due timers, and recovers after a restart: jobs that were running are reported to their runs as
// `interrupted` (never re-run silently). Loop thread only; throws what the store throws.
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "store/database.hpp"
#include "store/inbox.hpp"
#include "store/jobs.hpp"
#include "store/outbox.hpp"
#include "store/runs.hpp"
#include "store/timers.hpp"
#include "workflows/engine/workflow.hpp"

namespace tugboat::workflows {

struct engine_hooks {
  // New rows to send in `channel` ("" after recovery: look at every channel).
  std::function<void(const std::string& channel)> outbox_changed;
  std::function<void()> timers_changed;               // the earliest timer may have moved
  std::function<void(std::int64_t job_id)> start_job;  // a queued job to run
  std::function<void(std::int64_t job_id)> kill_job;   // a running job to stop
};

// A reply that belongs to no run (help, refusals, errors), sent through the outbox all the same.
struct direct_reply {
  slack::channel_id channel;
  slack::message_ts thread;  // empty: top level
  slack::user_id ephemeral_to;  // set: only this user sees it
  std::string text;
  std::vector<slack::block> blocks;
};

// The environment variable that carries engine::job_tag into a job's processes.
inline constexpr const char* kJobTagVariable = "TUGBOAT_JOB";

class engine {
 public:
  engine(store::database& db, const clock& now, engine_hooks hooks);

  void add(std::unique_ptr<workflow> w);
  const workflow* find_workflow(std::string_view name) const;

  // Creates a run, delivers `start`, marks `inbox_key` handled — one transaction. Then admission.
  run create(std::string_view workflow, const slack::channel_id& channel, const slack::message_ts& thread,
             const slack::user_id& requester, fields data, std::string_view inbox_key = {});
  // Delivers `e` to run `id`; nullopt if there is no such run.
  std::optional<run> deliver(std::int64_t id, const event& e, std::string_view inbox_key = {});
  // Sends `replies` and marks `inbox_key` handled, in one transaction.
  void reply(std::string_view inbox_key, const std::vector<direct_reply>& replies);
  // Marks an inbox row handled that needs no answer.
  void mark_handled(std::string_view inbox_key);

  // A job of run `job.run_id` ended: records the result and delivers job_finished, in one transaction.
  void job_finished(std::int64_t job_id, const store::job_result& result);
  // Records the pid of a job that started (so cancel and recovery can signal its process group).
  void job_started(std::int64_t job_id, int pid);
  // The value of TUGBOAT_JOB in a job's environment: its id and this store's file, so that after a
  // crash recovery finds the job's processes even if the pid was never recorded.
  std::string job_tag(std::int64_t job_id);

  // Fires every timer due at `now` (each in its own transaction); returns how many fired.
  int fire_due_timers(std::size_t batch = 256);
  std::optional<sys_time> next_timer();

  // After a restart: interrupted jobs, queued jobs, admission. Call once before serving.
  void recover();

  std::optional<run> find(std::string_view name);
  std::optional<run> find(std::int64_t id);
  std::vector<run> list(const store::run_filter& filter);

  store::database& db() { return db_; }
  store::outbox& outbox() { return outbox_; }
  store::jobs& jobs() { return jobs_; }
  store::timers& timers() { return timers_; }
  store::runs& runs() { return runs_; }

 private:
  struct pending_effects {
    std::set<std::string> outbox;  // channels that got rows
    bool timers = false;
    std::vector<std::int64_t> start;
    std::vector<std::int64_t> kill;
  };

  run apply(const run& r, const event& e, pending_effects& fx);
  void write_messages(const run& r, int version, const std::vector<message_effect>& messages,
                      std::set<std::string>& channels);
  void perform(const pending_effects& fx);
  void admit(std::string_view workflow);
  const workflow& workflow_of(const run& r) const;

  store::database& db_;
  const clock& clock_;
  engine_hooks hooks_;
  store::runs runs_;
  store::timers timers_;
  store::outbox outbox_;
  store::jobs jobs_;
  store::inbox inbox_;
  std::map<std::string, std::unique_ptr<workflow>, std::less<>> workflows_;
};

run to_run(const store::run_row& row);

}  // namespace tugboat::workflows
