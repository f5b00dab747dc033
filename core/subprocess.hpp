#pragma once
// Child processes without a shell: git for triage, configured commands for the job runner.
// `run` spawns argv[0] (looked up on PATH) with posix_spawnp in its own process group, feeds stdin,
// collects stdout/stderr with poll(), enforces a timeout by signalling the whole group (so grandchildren
// die too) and returns everything as a plain `result`. It blocks: call it from worker threads, never
// from the event loop. It never throws for a failure of the child; a child that cannot be started comes
// back with `spawn_failed` and a readable `error`. Thread-safe: several threads may run children at once.
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tugboat::proc {

struct spawn_options {
  std::vector<std::string> argv;                          // argv[0] is looked up on PATH unless it has a '/'
  std::string cwd;                                        // empty = the caller's working directory
  std::vector<std::pair<std::string, std::string>> env;   // added/overridden variables
  std::chrono::milliseconds timeout{0};                   // 0 = none; SIGTERM to the group, then SIGKILL after kill_grace
  std::chrono::milliseconds kill_grace{2000};
  std::size_t max_output = 0;                             // 0 = keep all; else keep the LAST N bytes of each stream
  std::string stdin_data;                                 // written to the child's stdin, which is then closed
  std::function<void(int pid)> on_start;                  // lets a caller record/kill the pid (process group = pid)
};

struct result {
  int exit_code = -1;       // the exit status when the child exited normally, else -1
  int term_signal = 0;      // the signal that ended the child, else 0
  bool timed_out = false;   // the timeout fired and the group was signalled
  bool spawn_failed = false;
  std::string out, err;     // raw bytes (possibly only the tail, see max_output)
  std::chrono::milliseconds duration{};
  std::string error;        // why the child could not be started or waited for, in one line
  bool ok() const { return !spawn_failed && !timed_out && term_signal == 0 && exit_code == 0; }
  // One line for logs and errors: "exit 3", "killed by signal 9", "timed out after 5s", the spawn error.
  std::string describe() const;
};

result run(const spawn_options& options);

// Sends `sig` to the process group `pid` (the group a `run` child leads). False if no such group.
bool kill_group(int pid, int sig);
// SIGKILLs every process whose environment holds NAME=VALUE, with its process group (not ours): how a
// restarted bot stops what a job of its previous life started, even when that life ended before it
// could record the child's pid. Returns how many processes matched. Linux (/proc); any thread.
int kill_tagged(std::string_view name, std::string_view value);

}  // namespace tugboat::proc
