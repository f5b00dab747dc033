#pragma once
// Jobs: child processes a run asked for (a quick fix's command, a release command, git work). The row
// is written with the decision that wanted it; the job runner marks it running with its pid, and its
// result comes back as an event. After a crash, rows still `running` are what was interrupted.
// States: queued → running → done | interrupted. Loop thread only.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/database.hpp"

namespace tugboat::store {

// A job is either a child process (`argv`) or an in-process task (`task`: the name of a performer the
// job runner knows, with `input` as its argument — git and triage work, Slack lookups). Tasks that only
// read and compute are `rerun_on_restart`: after a crash they run again instead of being reported
// interrupted.
struct job_spec {
  std::vector<std::string> argv;
  std::string cwd;
  std::vector<std::pair<std::string, std::string>> env;
  long long timeout_ms = 0;  // 0: none
  std::vector<std::string> make_dirs;  // created (with parents) before the process starts
  std::string task;
  std::string input;
  bool rerun_on_restart = false;
};

struct job_result {
  int exit_code = -1;
  int term_signal = 0;
  bool timed_out = false;
  bool spawn_failed = false;
  bool cancelled = false;
  long long duration_ms = 0;
  std::string output;  // the tail of stdout+stderr
  std::string error;   // why it could not start
  bool ok() const { return !spawn_failed && !timed_out && !cancelled && term_signal == 0 && exit_code == 0; }
  // "exit 0", "exit 3", "killed by signal 9", "timed out", "cancelled", "could not start: …".
  std::string describe() const;
};

struct job_row {
  std::int64_t id = 0;
  std::int64_t run_id = 0;
  std::string name;
  job_spec spec;
  std::string state;
  int pid = 0;
  long long created_at = 0;
  std::optional<long long> started_at;
  std::optional<job_result> result;
};

std::string encode_job_spec(const job_spec& s);
job_spec decode_job_spec(std::string_view json);
std::string encode_job_result(const job_result& r);
job_result decode_job_result(std::string_view json);

class jobs {
 public:
  explicit jobs(database& db);

  std::int64_t add(std::int64_t run_id, std::string_view name, const job_spec& spec, long long now);
  std::optional<job_row> find(std::int64_t id);
  // Jobs in `state`, oldest first; "queued" and "running" are read through an index (cheap however many
  // jobs have ever run), other states by a scan.
  std::vector<job_row> in_state(std::string_view state);
  // The run's queued or running jobs.
  std::vector<job_row> active_for_run(std::int64_t run_id);
  void mark_running(std::int64_t id, long long now);
  // Back to queued (a restartable task the bot stopped in the middle of).
  void requeue(std::int64_t id);
  void set_pid(std::int64_t id, int pid);
  void finish(std::int64_t id, std::string_view state, const job_result& result, long long now);

 private:
  database& db_;
};

}  // namespace tugboat::store
