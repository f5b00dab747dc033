#include "workflows/engine/job_runner.hpp"

#include <boost/asio/post.hpp>
#include <signal.h>

#include "core/log.hpp"
#include "core/subprocess.hpp"

namespace tugboat::workflows {
namespace {

constexpr std::string_view kLog = "jobs";

store::job_result to_result(const proc::result& r, bool cancelled) {
  store::job_result j;
  j.exit_code = r.exit_code;
  j.term_signal = r.term_signal;
  j.timed_out = r.timed_out;
  j.spawn_failed = r.spawn_failed;
  j.cancelled = cancelled && !r.timed_out;
  j.duration_ms = r.duration.count();
  j.output = r.out;
  if (!r.err.empty()) {
    if (!j.output.empty() && j.output.back() != '\n') j.output += '\n';
    j.output += r.err;
  }
  j.error = r.error;
  return j;
}

}  // namespace

job_runner::job_runner(boost::asio::any_io_executor loop, engine& eng, job_runner_settings settings)
    : loop_(std::move(loop)), engine_(eng), settings_(settings) {}

job_runner::~job_runner() { shutdown(); }

void job_runner::start(std::int64_t job_id) {
  if (shutting_down_ || active_.contains(job_id)) return;
  auto row = engine_.jobs().find(job_id);
  if (!row || row->state != "queued") return;
  engine_.jobs().mark_running(job_id, to_unix_ms(std::chrono::system_clock::now()));

  auto a = std::make_shared<active>();
  active_[job_id] = a;
  proc::spawn_options options;
  options.argv = row->spec.argv;
  options.cwd = row->spec.cwd;
  options.env = row->spec.env;
  options.timeout = std::chrono::milliseconds{row->spec.timeout_ms};
  options.kill_grace = settings_.kill_grace;
  options.max_output = settings_.max_output;
  auto loop = loop_;
  std::weak_ptr<bool> alive = alive_;
  options.on_start = [a, loop, alive, job_id, this](int pid) {
    a->pid = pid;
    // Cancelled (or shutting down) before the child existed: stop it now.
    if (a->cancelled.load()) proc::kill_group(pid, a->stopping.load() ? SIGKILL : SIGTERM);
    boost::asio::post(loop, [alive, job_id, pid, this] {
      if (alive.lock()) engine_.job_started(job_id, pid);
    });
  };
  log::info(kLog, "job {} ({}) of run {} starting: {}", job_id, row->name, row->run_id, options.argv.empty() ? "" : options.argv[0]);
  a->worker = std::thread([a, options = std::move(options), loop, alive, job_id, this] {
    auto r = proc::run(options);
    auto result = to_result(r, a->cancelled.load());
    boost::asio::post(loop, [alive, job_id, result = std::move(result), this]() mutable {
      if (alive.lock()) finished(job_id, std::move(result));
    });
  });
}

void job_runner::finished(std::int64_t job_id, store::job_result result) {
  auto it = active_.find(job_id);
  if (it != active_.end()) {
    if (it->second->worker.joinable()) it->second->worker.join();
    active_.erase(it);
  }
  if (shutting_down_) return;  // the row stays `running`: the next start reports it interrupted
  log::info(kLog, "job {} ended: {}", job_id, result.describe());
  engine_.job_finished(job_id, result);
}

void job_runner::kill(std::int64_t job_id) {
  auto it = active_.find(job_id);
  if (it == active_.end()) return;
  auto a = it->second;
  a->cancelled = true;
  const int pid = a->pid.load();
  if (pid <= 0) return;  // not started yet: proc::run is about to; the SIGTERM below would miss it
  proc::kill_group(pid, SIGTERM);
  a->grace = std::make_unique<boost::asio::steady_timer>(loop_, settings_.kill_grace);
  a->grace->async_wait([a, pid](const boost::system::error_code& ec) {
    if (!ec) proc::kill_group(pid, SIGKILL);
  });
}

void job_runner::shutdown() {
  shutting_down_ = true;
  for (auto& [id, a] : active_) {
    a->stopping = true;
    a->cancelled = true;
    if (const int pid = a->pid.load(); pid > 0) proc::kill_group(pid, SIGKILL);
  }
  for (auto& [id, a] : active_) {
    if (a->worker.joinable()) a->worker.join();
  }
  active_.clear();
  *alive_ = false;
  alive_ = std::make_shared<bool>(false);
}

}  // namespace tugboat::workflows
